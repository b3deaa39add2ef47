#!/usr/bin/env node
// Entry for `npx tessera`: load the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../compiler/driver/main.ts');
