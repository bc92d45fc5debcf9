import { describe, expect, it } from 'vitest'
import { compilePointer } from '../../../src/core/records/json-pointer.ts'

const doc = { a: { b: [10, { c: 'x' }] }, '': 'empty', 'm~n': 1, 'p/q': 2 }

describe('compilePointer', () => {
  it.each([
    ['', doc],
    ['/a/b/0', 10],
    ['/a/b/1/c', 'x'],
    ['/', 'empty'],
    ['/m~0n', 1],
    ['/p~1q', 2],
    ['/a/b/2', undefined],
    ['/a/b/01', undefined],
    ['/a/b/-', undefined],
    ['/a/b/length', undefined],
    ['/a/toString', undefined],
    ['/a/b/0/x', undefined],
  ])('%j reads %j', (pointer, expected) => {
    expect(compilePointer(pointer)(doc)).toEqual(expected)
  })

  it('reads a __proto__ member JSON.parse made an own property', () => {
    expect(compilePointer('/__proto__/x')(JSON.parse('{"__proto__":{"x":1}}'))).toBe(1)
  })

  it('refuses text that is not a pointer', () => {
    expect(() => compilePointer('status')).toThrow(/not a JSON pointer/)
  })
})
