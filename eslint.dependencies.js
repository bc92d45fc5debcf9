// Dependencies point inward (../shared/ARCHITECTURE.md): doors -> engine -> services and
// infrastructure -> core. Each zone below forbids a target folder to import from folders further
// out, so a new violation fails `npm run lint` (and CI) instead of waiting for a review.
const src = (folder) => `./src/${folder}`
const composition = ['runtime', 'node', 'gateway.ts', 'cli.ts'].map(src)
const doors = ['http', 'kafka-listener', 'admin'].map(src)
const services = ['produce', 'stream', 'replies', 'views'].map(src)
const engine = [src('policy')]
const infrastructure = [
  'namespace',
  'schema',
  'kafka',
  'protocol',
  'tls',
  'observability',
  'config',
  'kms',
].map(src)

const zone = (target, from, message, except) => ({
  target,
  from,
  message,
  ...(except ? { except } : {}),
})

export const dependencyZones = [
  zone(
    './src/!(protocol)/**/*',
    src('protocol/generated'),
    'only src/protocol imports generated code: use src/protocol/index.ts or message-parts.ts'
  ),
  zone(
    src('core'),
    ['./src/!(core)/**/*', './src/*.ts'],
    'src/core holds protocol-neutral types and imports nothing else of Weir'
  ),
  ...infrastructure.map((target) =>
    zone(
      target,
      [...engine, ...services, ...doors, ...composition, src('control')],
      'infrastructure (namespace, schema, kafka, protocol, tls, observability, config, kms) knows no engine, service, door or composition root'
    )
  ),
  zone(
    src('tls'),
    ['namespace', 'schema', 'kafka'].map(src),
    'src/tls is about bytes and certificates on a listening socket: it knows no Kafka client, namespace or schema'
  ),
  zone(
    src('kms'),
    ['namespace', 'schema', 'kafka', 'protocol', 'tls'].map(src),
    'src/kms wraps and unwraps data keys: it knows core, config and observability types only'
  ),
  zone(
    src('observability'),
    src('kafka'),
    'src/kafka logs through src/observability: observability imports nothing of src/kafka (declare what it needs of the client port where it is used)'
  ),
  ...doors.map((target) =>
    zone(
      target,
      src('kms'),
      'doors never handle keys: encryption is decided and done by the policy engine'
    )
  ),
  zone(
    src('policy'),
    [...services, ...doors, ...composition, src('control')],
    'the policy engine decides and knows no service, door or composition root'
  ),
  ...services.map((target) =>
    zone(
      target,
      [...doors, ...composition, src('control')],
      'services (produce, streams, replies, views) are protocol-neutral: no door, no composition root'
    )
  ),
  zone(
    src('http'),
    [src('kafka-listener'), src('admin'), src('control'), ...composition],
    'a door imports no other door and no composition root'
  ),
  zone(
    src('kafka-listener'),
    [src('http'), src('admin'), src('control'), ...services, ...composition],
    'a door imports no other door, no HTTP service and no composition root'
  ),
  zone(
    src('admin'),
    [src('kafka-listener'), src('http'), ...composition],
    'the admin API imports no data-plane door (only the HTTP plumbing it shares)',
    ['./problem-response.ts', './server-lifecycle.ts']
  ),
  zone(
    src('control'),
    [...doors, ...composition],
    'the control plane (config store, reload plan, data-plane agent) knows no door'
  ),
]

// Kafka client libraries stay behind the client port (src/kafka/client/port.ts): only their
// adapter imports one, so a second adapter, or a replacement, touches nothing else.
const adapters = [
  { library: 'kafkajs', folder: 'src/kafka/kafkajs' },
  { library: '@platformatic/kafka', folder: 'src/kafka/platformatic' },
]

/** Forbids importing each of `libraries` (one flat-config rule: a later one would replace it). */
const onlyAdapters = (libraries) => {
  const message = (library) =>
    `only the ${library} adapter (${adapters.find((a) => a.library === library).folder}/) imports ${library}: use the Kafka client port, src/kafka/client/port.ts`
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: libraries.map((library) => ({ name: library, message: message(library) })),
        patterns: libraries.map((library) => ({
          group: [`${library}/*`],
          message: message(library),
        })),
      },
    ],
  }
}

export const clientLibraryImports = [
  {
    files: ['src/**/*.ts'],
    ignores: adapters.map((a) => `${a.folder}/**`),
    rules: onlyAdapters(adapters.map((a) => a.library)),
  },
  ...adapters.map((adapter) => ({
    files: [`${adapter.folder}/**/*.ts`],
    rules: onlyAdapters(adapters.filter((a) => a !== adapter).map((a) => a.library)),
  })),
]
