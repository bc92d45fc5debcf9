// Fails fast, with the fix, when npm runs under a Node.js older than the one Weir targets.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(
    `weir needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run `. scripts/env.sh` first: it installs Node.js 24 from the npm registry into .cache/node and puts it on PATH.'
  )
  process.exit(1)
}
