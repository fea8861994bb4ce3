#!/usr/bin/env node
/** placeholder, replaced below */
console.log('lnfleet');
