// whatsapp-web.js pulls puppeteer; never let its postinstall download a browser.
// Real runs use the system Chromium (see README).
module.exports = { skipDownload: true };
