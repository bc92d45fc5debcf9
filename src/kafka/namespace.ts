// Virtual-cluster namespaces. With `hidePrefix`, clients name topics without the prefix and the
// backend stores them with it; without it, clients use the prefixed names and may name nothing
// outside the namespace.
import type { VirtualClusterConfig } from '../config/index.ts'

/** The backend's name for a topic a client named, or undefined when it lies outside the namespace. */
export function backendTopic(vc: VirtualClusterConfig, topic: string): string | undefined {
  const ns = vc.namespace
  if (!ns) return topic
  if (ns.hidePrefix) return ns.prefix + topic
  return topic.startsWith(ns.prefix) ? topic : undefined
}
