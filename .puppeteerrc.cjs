// never download a browser: tests use the system Chromium (Debian's /usr/bin/chromium)
module.exports = { skipDownload: true };
