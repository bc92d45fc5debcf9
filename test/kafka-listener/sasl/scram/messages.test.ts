import { describe, expect, it } from 'vitest'
import {
  fromSaslName,
  parseClientFinal,
  parseClientFirst,
  parseServerFinal,
  parseServerFirst,
  saslName,
} from '../../../../src/kafka-listener/sasl/scram/messages.ts'

describe('SCRAM messages', () => {
  it('escapes , and = in names and reads them back', () => {
    expect(saslName('a,b=c')).toBe('a=2Cb=3Dc')
    expect(fromSaslName('a=2Cb=3Dc')).toBe('a,b=c')
    expect(fromSaslName('a=3D2C')).toBe('a=2C')
    for (const bad of ['', 'a=b', 'a=2c', 'a=']) expect(fromSaslName(bad)).toBeUndefined()
  })

  it('parses a client-first message with authzid and Kafka extensions', () => {
    expect(parseClientFirst('n,a=al=2Cice,n=al=2Cice,r=n0nce,tokenauth=true')).toEqual({
      gs2Header: 'n,a=al=2Cice,',
      authzid: 'al,ice',
      username: 'al,ice',
      nonce: 'n0nce',
      bare: 'n=al=2Cice,r=n0nce,tokenauth=true',
      extensions: new Map([['tokenauth', 'true']]),
    })
    expect(parseClientFirst('n,,n=bob,r=x')).toMatchObject({ gs2Header: 'n,,', authzid: undefined })
  })

  it('rejects client-first messages that are not n,, with n= and r=', () => {
    for (const bad of [
      'y,,n=bob,r=x',
      'p=tls-unique,,n=bob,r=x',
      'n,,n=bob',
      'n,,r=x,n=bob',
      'n,,n=bob,r=',
      'n,,n=bob,r=a b',
      'n,,m=ext,n=bob,r=x',
      'n,a=,n=bob,r=x',
      'n,,n=bob,r=x,,',
    ]) {
      expect(typeof parseClientFirst(bad), bad).toBe('string')
    }
  })

  it('parses server-first, client-final and server-final messages', () => {
    expect(parseServerFirst('r=abc,s=c2FsdA==,i=4096')).toEqual({
      nonce: 'abc',
      salt: Buffer.from('salt'),
      iterations: 4096,
    })
    expect(parseClientFinal('c=biws,r=abc,p=cHJvb2Y=')).toEqual({
      channelBinding: Buffer.from('n,,'),
      nonce: 'abc',
      proof: Buffer.from('proof'),
      withoutProof: 'c=biws,r=abc',
    })
    expect(parseServerFinal('v=c2ln')).toEqual({ signature: Buffer.from('sig') })
    expect(parseServerFinal('e=unknown-user')).toEqual({ error: 'unknown-user' })
    for (const bad of ['r=abc,s=c2FsdA==,i=0', 'r=abc,s=,i=4096', 'r=abc,i=4096,s=c2FsdA==']) {
      expect(typeof parseServerFirst(bad), bad).toBe('string')
    }
    for (const bad of ['c=biws,r=abc', 'r=abc,c=biws,p=cHJvb2Y=', 'c=biws,r=abc,p=***']) {
      expect(typeof parseClientFinal(bad), bad).toBe('string')
    }
  })
})
