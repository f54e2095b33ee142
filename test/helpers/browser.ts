// Headless Chromium for the browser tests: Debian's chromium driven by playwright-core (no browser
// download). `blockNetwork` lets a page reach only the server under test and records anything
// else it tried, so a test can prove a page works offline.
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";

export const CHROMIUM = process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Aborts every request that is not for `origin`; returns the URLs that were refused. */
export async function blockNetwork(page: Page, origin: string): Promise<string[]> {
  const refused: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("about:")) return route.continue();
    refused.push(url);
    return route.abort("internetdisconnected");
  });
  return refused;
}
