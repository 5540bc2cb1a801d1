#!/usr/bin/env node
// PLACEHOLDER budget, set after measuring (see below).
export const BUDGET_GZIP = 100_000;
export const BUDGET_WHY = 'placeholder';
