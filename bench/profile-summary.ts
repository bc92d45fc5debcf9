// node bench/profile-summary.ts FILE.cpuprofile [rows]
// Where a V8 CPU profile (node --cpu-prof) spent its time: self time by function, and self time
// charged to the nearest frame of our code or a package, so the cost of Node internals (streams,
// buffers, sockets) shows up under whoever asked for them. To profile Weir in the bench:
//   WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
//   WEIR_BENCH_HTTP_VARIANTS=json-single npm run bench -- http-produce
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, rowsArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: node bench/profile-summary.ts FILE.cpuprofile [rows]')
  process.exit(2)
}
const rows = Number(rowsArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parents = new Map<number, number>()
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id)

const selfTime = new Map<number, number>()
profile.samples.forEach((id, i) => {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})
const total = [...selfTime.values()].reduce((a, b) => a + b, 0)

const cwd = `file://${process.cwd()}/`
const where = (url: string): string =>
  url.startsWith(cwd) ? url.slice(cwd.length).replace(/^node_modules\//, '') : url
const label = (n: ProfileNode): string => {
  const f = n.callFrame
  const name = f.functionName || '(anonymous)'
  return f.url ? `${name} ${where(f.url)}:${f.lineNumber + 1}` : name
}

const add = (map: Map<string, number>, key: string, time: number): void => {
  map.set(key, (map.get(key) ?? 0) + time)
}
const bySelf = new Map<string, number>()
const byOwner = new Map<string, number>()
for (const [id, time] of selfTime) {
  const node = nodes.get(id) as ProfileNode
  add(bySelf, label(node), time)
  // The nearest frame loaded from a file (ours or a package), rather than Node's own code.
  let owner: ProfileNode | undefined = node
  while (owner && !owner.callFrame.url.startsWith('file://')) {
    const parent = parents.get(owner.id)
    owner = parent === undefined ? undefined : nodes.get(parent)
  }
  add(byOwner, owner ? label(owner) : `(Node, V8) ${label(node)}`, time)
}

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title}`)
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${key}`)
  }
}
console.log(`${(total / 1e6).toFixed(2)} s sampled`)
print('Self time by function:', bySelf)
print('Self time charged to the nearest frame of our code or a package:', byOwner)
