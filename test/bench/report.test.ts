// RESULTS.md is half generated, half written by hand: a run rewrites the first half and keeps
// the second.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { handWrittenNotes, notesMarker, writeReport, type RunReport } from '../../bench/report.ts'

const report: RunReport = {
  date: '2026-12-06T12:00:00.000Z',
  machine: { cpu: 'test cpu', cores: 2, memoryGiB: 23.5 },
  versions: { node: 'v24', kafkajs: '2.2.4', kafka: '4.1.0', os: 'test os' },
  load: { start: 0.5, end: 1.5 },
  scenarios: [],
  figures: [],
  problems: [],
}

describe('bench report', () => {
  it('keeps the hand-written notes after the marker across runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-report-'))
    writeReport(dir, report)
    const first = readFileSync(path.join(dir, 'RESULTS.md'), 'utf8')
    expect(first).toContain(notesMarker)
    writeFileSync(path.join(dir, 'RESULTS.md'), `${first}## Issue 99: a note\n\nbefore and after\n`)
    writeReport(dir, { ...report, date: '2026-12-07T12:00:00.000Z' })
    const second = readFileSync(path.join(dir, 'RESULTS.md'), 'utf8')
    expect(second).toContain('Date: 2026-12-07T12:00:00.000Z')
    expect(second.endsWith(`${notesMarker}\n\n## Issue 99: a note\n\nbefore and after\n`)).toBe(
      true
    )
  })

  it('reads the notes of a file from before the marker: from its first "## Issue" section', () => {
    expect(handWrittenNotes('# Results\n\n## Reproduce\n\nrun it\n\n## Issue 1: x\n\ny\n')).toBe(
      '## Issue 1: x\n\ny\n'
    )
    expect(handWrittenNotes('# Results\n\n## Reproduce\n')).toBe('')
  })
})
