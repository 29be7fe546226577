#!/usr/bin/env node
/** `fleetstream`: the one command that starts any component by name (bin/program.ts). */
import { FleetstreamError } from '../lib/errors';
import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof FleetstreamError) {
      console.error(`fleetstream: ${error.message} [${error.code}]`);
    } else {
      console.error('fleetstream:', error);
    }
    process.exitCode = 1;
  });
