// The `portal` option of an http listener, and the paths it must not share.
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { configIssuesOf } from '../../support/config.ts'

function config(listener: string): string {
  return `
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
virtualClusters: [{ name: vc, backendCluster: main }]
listeners:
  - name: public
    kind: http
    port: 0
${listener}`
}

const issuesOf = configIssuesOf

describe('portal config', () => {
  it('is off unless set; true takes the defaults', () => {
    expect(parseConfig(config(''), 'test.yaml', {}).listeners[0]).not.toHaveProperty('portal.path')
    expect(parseConfig(config('    portal: true'), 'test.yaml', {}).listeners[0]).toMatchObject({
      portal: { path: '/portal', schemaRefreshMs: 30_000 },
    })
    expect(parseConfig(config('    portal: false'), 'test.yaml', {}).listeners[0]).toMatchObject({
      portal: undefined,
    })
    expect(
      parseConfig(config('    portal: { path: /docs, schemaRefreshMs: 500 }'), 'test.yaml', {})
        .listeners[0]
    ).toMatchObject({ portal: { path: '/docs', schemaRefreshMs: 500 } })
  })

  it('refuses a stream that would take a portal path, naming both', () => {
    const issues = issuesOf(
      config(`    portal: true
    streams:
      - { path: '/{topic}', virtualCluster: vc, topics: { from: path, name: topic, allowed: ['*'] } }
      - { path: /portal, virtualCluster: vc, topics: [a] }
      - { path: /streams/a, virtualCluster: vc, topics: [a] }`)
    )
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [
        'listeners[0].streams[0].path',
        'stream path /{topic} takes GET /portal, which the portal serves: move the stream or set portal.path',
      ],
      [
        'listeners[0].streams[1].path',
        'stream path /portal takes GET /portal, which the portal serves: move the stream or set portal.path',
      ],
    ])
  })

  it('refuses a portal path that something else serves', () => {
    for (const path of ['/openapi.json', '/healthz', '/example']) {
      const issues = issuesOf(config(`    examplePage: {}\n    portal: { path: '${path}' }`))
      expect(issues.map((i) => i.path)).toEqual(['listeners[0].portal.path'])
    }
    expect(issuesOf(config(`    portal: { path: /docs/ }`))[0]?.expected).toContain('trailing /')
  })

  it('lets produce routes share paths with the portal: they are never GET', () => {
    const parsed = parseConfig(
      config(`    portal: true
    routes: [{ path: '/{topic}', virtualCluster: vc, topic: { from: path, name: topic, allowed: ['*'] } }]`),
      'test.yaml',
      {}
    )
    expect(parsed.listeners[0]).toMatchObject({ portal: { path: '/portal' } })
  })
})
