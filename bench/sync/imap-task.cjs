// The same task as bench/sync/imap.js, as a piscina worker module.
module.exports = (x) => x * 2 + 1;
