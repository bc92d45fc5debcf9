// What the figures were measured on: they mean little without the machine and the versions.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { versions as stackVersions } from '../scripts/local-stack/paths.ts'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
}

export interface Versions {
  node: string
  kafkajs: string
  kafka: string
  os: string
}

function cpuModel(): string {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const line = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)
  return line?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
}

export function machine(): Machine {
  return {
    cpu: cpuModel(),
    // What this process may use, which in a container can be fewer than the host has.
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  }
}

function osName(): string {
  const release = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : ''
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(release)?.[1]
  const kernel = `${os.type()} ${os.release()} ${os.arch()}`
  return pretty ? `${pretty} (${kernel})` : kernel
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url)
  return (require(`${name}/package.json`) as { version: string }).version
}

/** `externalBroker` is the address given in WEIR_BENCH_BOOTSTRAP, whose version we cannot know. */
export function softwareVersions(externalBroker: string | undefined): Versions {
  return {
    node: process.version,
    kafkajs: packageVersion('kafkajs'),
    kafka: externalBroker ? `unknown (external broker ${externalBroker})` : stackVersions.kafka,
    os: osName(),
  }
}
