// What readiness is asked: the node's own state, its backend clusters' last known health, and
// what is still loading. The admin, operations and http listeners all answer /readyz from it.

/** The last known answer to "is this backend cluster up?". */
export interface ProbeResult {
  ok: boolean
  brokers?: number
  error?: string
}

export interface ReadinessSource {
  /** False once shutdown has begun. */
  accepting(): boolean
  /** Names of the backend clusters this node depends on. */
  backendClusters(): string[]
  probe(backendCluster: string): Promise<ProbeResult>
  /**
   * What is still loading and would answer wrongly meanwhile: views (and reply stores) reading
   * their topics up to where they ended at start. Empty when everything has caught up.
   */
  loading?(): string[]
}
