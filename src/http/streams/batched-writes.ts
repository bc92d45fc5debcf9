// How the streaming doors write many frames per system call. The consumer hub hands over what a
// fetch brought (a batch per partition) record by record, and a door writes each record as it
// comes; corked until this turn of the event loop ends, a connection's socket sends all of it
// in one write. Without it, every frame was a system call of its own: most of a fan-out node's
// CPU, and the reason a node that fell behind never caught up. Frames are written (and counted
// against the connection's buffers) as before: only when the bytes leave changes.
import type { Duplex } from 'node:stream'

export type Corkable = Pick<Duplex, 'cork' | 'uncork'>

const held = new Set<Corkable>()
let releasing = false

/** Holds what is written to `socket` until the end of this turn of the event loop. */
export function holdWritesForThisTurn(socket: Corkable): void {
  if (held.has(socket)) return
  held.add(socket)
  socket.cork()
  if (!releasing) {
    releasing = true
    // After the I/O callbacks of this turn (the fetch response being handed over), before the
    // next poll for I/O: no timer's delay.
    setImmediate(release)
  }
}

function release(): void {
  releasing = false
  for (const socket of held) {
    held.delete(socket)
    socket.uncork()
  }
}
