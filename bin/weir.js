#!/usr/bin/env node
// Runs the TypeScript sources directly (Node.js 24 strips the types).
import { main } from '../src/cli.ts'

// Exits rather than waits for the event loop to empty: a stop that ran out of its grace period
// leaves kafkajs timers behind on purpose.
process.exit(await main(process.argv.slice(2)))
