// Module functions for topology/examples/top-pages.yaml: keep the N most viewed pages of a window.

/** A closed window of one page's views, as the window operator emits it, tagged for regrouping. */
export function windowCount(value: Record<string, unknown>) {
  return { window: `${value.start}-${value.end}`, page: value.key, views: value.count };
}

/** aggregate: the top 3 pages of a window by views (ties by name), updated with each page's count. */
export function top3(acc: { pages: Array<{ page: string; views: number }> }, value: Record<string, unknown>) {
  const pages = [...acc.pages.filter((p) => p.page !== value.page), { page: String(value.page), views: Number(value.views) }];
  pages.sort((a, b) => b.views - a.views || a.page.localeCompare(b.page));
  return { pages: pages.slice(0, 3) };
}
