// piscina's task for bench/patches/exec.js: Node's own, blocking execSync.
const { execSync } = require('node:child_process');
module.exports = (seconds) => execSync(`sleep ${seconds} && echo ok`).toString().trim();
