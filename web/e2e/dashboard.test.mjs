// The dashboard end to end in real headless Chromium, on SwiftShader's WebGPU: the built
// dist/ is served with cross-origin isolation, a quick benchmark runs on the GPU choice
// made in the form, burn's rows and the WGSL reference's come in as they finish, its tables,
// kernels, charts and Markdown download hold the report, the last result survives a reload
// (and so do the rows of a run the page lost mid-way), a second run of the plan prints its time
// left against the time it took, Stop keeps what finished, a lost
// device fails its configuration and the run goes on with a new one, its share link reopens the same figures elsewhere, and its
// results.json lines up with a native lavapipe run of the same plan in `nlbench-native
// compare`, and a transformer workload (`encoder:tiny`) runs through the form into its row and
// its report section. It prints page load to the first measured row and the bundle's size.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, readdir, mkdir, mkdtemp, copyFile, access } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../../dist/", import.meta.url));
const artifacts = fileURLToPath(new URL("./artifacts/", import.meta.url));
// The command line `cargo test --workspace` built (README's test command runs it first).
const targetDir = process.env.CARGO_TARGET_DIR ?? fileURLToPath(new URL("../../target/", import.meta.url));
const nativeBinary = process.env.NLBENCH_NATIVE ?? join(targetDir, "debug", "nlbench-native");
const run = promisify(execFile);
// A figure with its interval, whatever its magnitude or how many decimals it takes: "77.26
// (72.33 – 84.48)" on a slow machine, "1,234 (1,200 – 1,260)" on a fast one, with the real
// coverage in brackets where fewer than six samples made it.
const FIGURE = String.raw`[\d,]+(?:\.\d+)? \([\d,]+(?:\.\d+)? – [\d,]+(?:\.\d+)?\)(?: \[\d+ %\])?`;
const types = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
};
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-unsafe-swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--enable-features=Vulkan",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

let server;
let base;
let browser;
/// What the first test leaves for the next: the browser's results.json.
const sharedRun = {};

before(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "Content-Type": types[extname(file)] ?? "application/octet-stream",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/// Runs `body` with a fresh page; on failure saves a screenshot and the page's console.
async function withPage(name, body) {
  const page = await browser.newPage({ acceptDownloads: true });
  const console = [];
  page.on("console", (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console.push(`pageerror: ${e.message}`));
  try {
    return await body(page);
  } catch (err) {
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    // The first messages usually name the cause; the last ones what it led to.
    const shown = console.length > 40 ? [...console.slice(0, 10), "…", ...console.slice(-30)] : console;
    err.message += `\nbrowser console:\n${shown.join("\n")}`;
    throw err;
  } finally {
    await page.close();
  }
}

const tableText = (page, id) =>
  page.locator(`[data-testid=${id}] tbody`).innerText();

/// Asserts two renderings of a table show the same figures: a share link keeps seven
/// significant digits, so a figure whose last shown digit sits on a rounding boundary may
/// print one unit apart (4.792 for 4.793); every word and every other digit must match.
function assertSameFigures(actual, expected, what) {
  // Numbers at odd positions, the text between them at even ones.
  const tokens = (text) => text.split(/(\d[\d,]*(?:\.\d+)?)/);
  const [a, b] = [tokens(actual), tokens(expected)];
  assert.equal(a.length, b.length, `${what}: the same cells\n${actual}\n${expected}`);
  a.forEach((token, i) => {
    if (token === b[i]) return;
    const [x, y] = [token, b[i]].map((t) => Number.parseFloat(t.replace(/,/g, "")));
    const decimals = (b[i].split(".")[1] ?? "").length;
    const close = i % 2 === 1 && Math.abs(x - y) <= 1.01 * 10 ** -decimals + 1e-6 * Math.abs(y);
    assert.ok(close, `${what}: ${token} where ${b[i]} was shown\n${actual}\n${expected}`);
  });
}

/// A chart drawn for the screen: an inline SVG as wide as its place in the page (not an image
/// of the print chart), its tick labels and legend at 11 px or more, a target on each point.
async function checkScreenChart(page, chart) {
  const holder = page.getByTestId(`chart-${chart}`);
  assert.equal(await holder.locator("img").count(), 0, `${chart}: not an image`);
  const svg = holder.locator("svg");
  assert.equal(await svg.count(), 1, `${chart}: one inline SVG`);
  const [width, room] = await Promise.all([
    svg.getAttribute("width").then(Number),
    holder.evaluate((e) => e.clientWidth),
  ]);
  assert.ok(Math.abs(width - room) <= 2, `${chart}: ${width} px wide in ${room} px`);
  const sizes = await svg.locator("text").evaluateAll((texts) =>
    texts.map((t) => Number.parseFloat(getComputedStyle(t).fontSize)));
  assert.ok(sizes.length > 5 && Math.min(...sizes) >= 11, `${chart}: text sizes ${sizes}`);
  assert.ok(await svg.locator("circle.point").count() > 0, `${chart}: points to hover`);
}

/// At `width` × `height` the page scrolls only down: no wider than the screen. A screenshot
/// of it goes to the artifacts.
async function fitsTheScreen(page, width, height) {
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(500);
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `at ${width}×${height} the page is ${scroll} px wide in ${client}`);
  await mkdir(artifacts, { recursive: true });
  const path = join(artifacts, `dashboard-${width}x${height}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

/// What a progress line says of the time left, in seconds, and whether it is rough.
function saidLeft(text) {
  const m = /about (?:(\d+) h )?(?:(\d+) min ?)?(?:(\d+) s )?left( \(rough\))?/.exec(text);
  return m && { left: 3600 * (+m[1] || 0) + 60 * (+m[2] || 0) + (+m[3] || 0), rough: !!m[4] };
}

/// What the progress line said of the time left at a quarter, a half and three quarters of
/// a run, against the time the run then took (a figure for the notes, not a test).
function logTimeLeft(which, { samples, started, ended }) {
  for (const share of [0.25, 0.5, 0.75]) {
    const at = started + share * (ended - started);
    const sample = samples.filter(([t]) => t <= at).pop();
    const said = sample && saidLeft(sample[1]);
    const actual = sample ? (ended - sample[0]) / 1000 : NaN;
    console.log(`${which}: time left at ${share * 100} % of the run: said ${said ? `${said.left} s${said.rough ? " (rough)" : ""}` : "nothing"}, took ${actual.toFixed(0)} s`);
  }
}

/// Runs the small plan through the form (small, batch 1 and 16, 5 iterations, 50 ms warm-up,
/// the memory suite too) and watches it: what the progress line said every second, when the
/// run started, when its first row came and when it ended.
async function runSmallPlan(page) {
  await page.getByTestId("sizes").fill("small");
  await page.getByTestId("batch-sizes").fill("1,16");
  await page.getByTestId("iterations").fill("5");
  await page.getByTestId("repeat").fill("1");
  await page.getByTestId("warmup-ms").fill("50");
  await page.getByTestId("suite-memory").check();
  await page.getByTestId("run").click();
  const started = Date.now();
  await page.getByTestId("progress").waitFor({ timeout: 30_000 }).catch(async (err) => {
    const form = page.getByTestId("form-error");
    throw (await form.count()) ? new Error(`the form refused: ${await form.innerText()}`) : err;
  });
  // What the progress line says of the time left, every second, to hold against the end.
  const samples = [];
  const polling = setInterval(() => {
    page.getByTestId("progress").innerText({ timeout: 500 })
      .then((text) => samples.push([Date.now(), text]))
      .catch(() => {});
  }, 1000);
  // Rows appear as they finish; the first one ends the wait for a first figure.
  await page.locator("[data-testid=throughput-table] tbody tr").first().waitFor({ timeout: 840_000 });
  const firstRow = Date.now();
  await page.getByTestId("run").getByText("Run benchmark").waitFor({ timeout: 840_000 });
  clearInterval(polling);
  return { samples, started, firstRow, ended: Date.now() };
}

/// Records every adapter request's options in `window.adapterRequests`.
const RECORD_ADAPTER_REQUESTS = () => {
  window.adapterRequests = [];
  const request = GPU.prototype.requestAdapter;
  GPU.prototype.requestAdapter = function (options) {
    window.adapterRequests.push(options ?? {});
    return request.call(this, options);
  };
};

/// The dashboard's bundle: the wasm's raw and gzip sizes.
async function bundleSizes() {
  const files = await readdir(root);
  const wasm = files.find((f) => f.endsWith(".wasm"));
  const bytes = await readFile(join(root, wasm));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

test("a quick benchmark runs on WebGPU, names its kernels, and its share link reopens it", { timeout: 900_000 }, async () => {
  const sizes = await bundleSizes();
  console.log(`wasm bundle: ${(sizes.raw / 1e6).toFixed(2)} MB raw, ${(sizes.gzip / 1e6).toFixed(2)} MB gzip -9`);
  const { link, throughput, loadToResult, ceilings, kernels, browserResult } = await withPage("run", async (page) => {
    await page.addInitScript(RECORD_ADAPTER_REQUESTS);
    const started = Date.now();
    await page.goto(base);
    const adapter = page.getByTestId("adapter-name");
    await adapter.waitFor({ timeout: 60_000 });
    assert.ok((await adapter.innerText()).trim().length > 0, "adapter has a name");

    // The GPU choice reaches the adapter requests made after it, the page's own and burn's.
    const requestsBefore = await page.evaluate(() => window.adapterRequests.length);
    await page.getByTestId("power").selectOption("low-power");
    await page.getByTestId("adapter").getByText("low-power").waitFor({ timeout: 60_000 });

    const first = await runSmallPlan(page);
    const loadToResult = (first.firstRow - started) / 1000;
    logTimeLeft("first run", first);
    const requests = (await page.evaluate(() => window.adapterRequests)).slice(requestsBefore);
    assert.ok(requests.length >= 2, `adapter requests after the choice: ${JSON.stringify(requests)}`);
    assert.ok(
      requests.every((r) => r.powerPreference === "low-power"),
      `every adapter request after the choice asked for low power: ${JSON.stringify(requests)}`,
    );

    const throughput = await tableText(page, "throughput-table");
    const rows = throughput.trim().split("\n");
    // SwiftShader has no shader-f16: the FP16 configurations are said once, not in a row each.
    assert.equal(rows.length, 4, `small × FP32 × batch 1, 16 × burn and the WGSL reference:\n${throughput}`);
    assert.ok(!/\tFP16\t/.test(throughput), throughput);
    const unsupported = await page.getByTestId("unsupported").innerText();
    const counted = [...unsupported.matchAll(/^FP16 \(.*\): .*; (\d+) configurations?$/gm)]
      .reduce((sum, m) => sum + Number(m[1]), 0);
    assert.equal(counted, 4, `the four FP16 configurations, each reason once:\n${unsupported}`);
    // The summary's best throughput is a figure of the table.
    const glance = (await tableText(page, "glance-table")).trim().split("\n");
    const burnGlance = glance.find((row) => row.startsWith("small\tburn\t"));
    assert.ok(burnGlance, glance.join("\n"));
    const best = burnGlance.split("\t")[2];
    assert.ok(rows.some((row) => row.startsWith("small\tFP32\t") && row.includes(`\t${best}\t`)),
      `best throughput ${best} is in the table:\n${throughput}`);
    assert.match(throughput, new RegExp(String.raw`small\s+FP32\s+1\s+burn\s+${FIGURE}\s+\d`));
    assert.match(throughput, new RegExp(String.raw`small\s+FP32\s+1\s+WGSL reference\s+${FIGURE}`));
    const kernels = await tableText(page, "kernels-table");
    assert.match(kernels, /burn\s+on\s+layer 0 (fused )?matmul 1×1024 · 1024×256\s+\S+/, "burn's tuned kernel named");
    assert.match(kernels, /WGSL reference\s+off\s+layer 0: 1×1024 · 1024×256 \+ bias, ReLU\s+(tiled|direct) /);
    // Each choice says where it came from; the reference's search is kept in the page's
    // storage for the next visit (a fresh browser profile: tuned in this run).
    assert.match(kernels, /WGSL reference\s+off\s+layer 0: 1×1024 · 1024×256 \+ bias, ReLU\s+.*\ttuned in this run/);
    const searches = await page.evaluate(() =>
      Object.keys(localStorage).filter((key) => key.startsWith("nlbench.reference-search")));
    assert.equal(searches.length, 1, `the reference's tile shapes are kept: ${JSON.stringify(searches)}`);
    assert.match(await tableText(page, "memory-table"), /small\s+1\s+[\d.]+ (B|KiB|MiB)/);
    const ceilings = await tableText(page, "ceilings-table");
    for (const name of ["Copy bandwidth", "Read bandwidth", "SIMT FMA throughput, f32", "Dispatch overhead"]) {
      const row = ceilings.split("\n").find((line) => line.startsWith(name));
      const value = Number.parseFloat((row ?? "").split("\t")[1]?.replace(/,/g, ""));
      assert.ok(value > 0, `${name} measured on the WebGPU device: ${row}`);
    }
    for (const chart of ["throughput_benchmark", "model_size_benchmark", "roofline", "memory_comparison"]) {
      await checkScreenChart(page, chart);
    }
    // A point tells its value and interval. Points of two lines can lie under one pointer
    // (burn's host clock and its device time at batch 1): the pointer goes to the first one's
    // place, and the one on top answers.
    await page.locator("[data-testid=chart-throughput_benchmark] circle.point").first().hover({ force: true });
    const tip = await page.getByTestId("chart-tooltip").innerText();
    assert.match(tip, /Batch size: \d+/, tip);
    assert.match(tip, /Throughput[^:]*: [\d,.]+ \(95 % CI [\d,.]+ to [\d,.]+\)/, tip);
    await fitsTheScreen(page, 1280, 800);
    await fitsTheScreen(page, 390, 844);
    await page.setViewportSize({ width: 1280, height: 800 });

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-BENCHMARK_REPORT.md").click(),
    ]);
    assert.equal(download.suggestedFilename(), "BENCHMARK_REPORT.md");
    const report = await readFile(await download.path(), "utf8");
    for (const section of ["## Machine and device", "## Throughput and latency", "## Paths side by side",
      "## Kernels", "## Buffer memory", "## Device ceilings and roofline", "## Interpretation"]) {
      assert.ok(report.includes(section), `report has ${section}`);
    }
    // The headline is the host clock, as everywhere; SwiftShader has timestamp-query, so the
    // fused backend's device time stands beside it.
    assert.match(report, /Timing clock\s*\|\s*performance\.now\(\)/);
    assert.match(report, /burn: performance\.now\(\)[^|]*device time: device timestamps \(WebGPU timestamp-query/);

    const [resultsDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-results.json").click(),
    ]);
    const browserResult = join(await mkdtemp(join(tmpdir(), "nlbench-e2e-")), "results.json");
    await copyFile(await resultsDownload.path(), browserResult);

    const link = await page.getByTestId("share-link").inputValue();
    assert.ok(link.includes("#r=1."), "share link carries a result");
    assert.ok(page.url().includes("#r=1."), "address bar carries the result");

    // The last result stays across visits: the page without a link shows it again.
    await page.goto(base);
    await page.getByTestId("result").waitFor({ timeout: 60_000 });
    assert.equal(await tableText(page, "throughput-table"), throughput, "kept in local storage");

    // A second run of the plan starts from the pieces' times the first kept in the page's
    // storage (its said-against-actual figures are for the notes).
    logTimeLeft("second run", await runSmallPlan(page));
    return { link, throughput, loadToResult, ceilings, kernels, browserResult };
  });
  sharedRun.browserResult = browserResult;
  console.log(`time from page load to the first measured row: ${loadToResult.toFixed(1)} s`);
  console.log(`share link length: ${link.length} characters`);
  console.log(`throughput table:\n${throughput}`);
  console.log(`kernels:\n${kernels}`);
  console.log(`device ceilings:\n${ceilings}`);
  assert.ok(link.length < 8192, `a typical link stays under 8 KB (${link.length})`);
  assert.ok(sizes.gzip <= 3_000_000, `the wasm is at most 3 MB gzip (${sizes.gzip} bytes)`);

  await withPage("shared", async (page) => {
    await page.goto(link);
    await page.getByTestId("result").waitFor({ timeout: 60_000 });
    assertSameFigures(await tableText(page, "throughput-table"), throughput, "the shared link");
    assert.equal(await page.getByTestId("progress").count(), 0, "nothing ran");
  });
});

/// The browser's result and a native lavapipe run of the same plan: `compare` gives a headline
/// ratio for each configuration both measured (host clock against host clock).
async function compareWithNative(browserResult) {
  await access(nativeBinary).catch(() => {
    throw new Error(`${nativeBinary} is missing: README's test command builds it with cargo test --workspace first`);
  });
  const work = await mkdtemp(join(tmpdir(), "nlbench-native-"));
  await run(nativeBinary, [
    "--backend", "vulkan", "--sizes", "small", "--batch-sizes", "1,16", "--precision", "f32",
    "--iterations", "5", "--repeat", "1", "--warmup-ms", "50", "--paths", "burn", "--clock", "host",
    "--out", join(work, "native"),
  ], {
    env: {
      ...process.env,
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp",
      // The tuning folder the Rust tests share, not the user's own.
      NLBENCH_CACHE_DIR: join(targetDir, "tmp", "tuning-cache"),
    },
    maxBuffer: 1 << 26,
  });
  await run(nativeBinary, ["compare", browserResult, join(work, "native", "results.json"), "--out", join(work, "compared")],
    { maxBuffer: 1 << 26 });
  return readFile(join(work, "compared", "COMPARISON.md"), "utf8");
}

test("the browser's result lines up with a native lavapipe result", { timeout: 900_000 }, async () => {
  assert.ok(sharedRun.browserResult, "the dashboard's run left no results.json to compare");
  const report = await compareWithNative(sharedRun.browserResult);
  for (const batch of [1, 16]) {
    const row = report.split("\n").find((line) =>
      new RegExp(String.raw`^\| small\s+\| FP32\s+\| ${batch}\s+\| headline path: burn\s+\| host clock`).test(line));
    assert.ok(row, `small FP32 batch ${batch} has a headline row:\n${report}`);
    assert.match(row, /\d\.\d+× \(/, `a ratio of the two headlines: ${row}`);
  }
});

test("a transformer workload runs in the browser, its row measured or its failure recorded", { timeout: 900_000 }, async () => {
  await withPage("encoder", async (page) => {
    await page.goto(base);
    await page.getByTestId("adapter-name").waitFor({ timeout: 60_000 });
    await page.getByTestId("workload-mlp").uncheck();
    await page.getByTestId("workload-encoder").check();
    await page.getByTestId("preset-encoder").selectOption("tiny");
    await page.getByTestId("batch-sizes").fill("1");
    await page.getByTestId("f16").uncheck();
    await page.getByTestId("iterations").fill("3");
    await page.getByTestId("repeat").fill("1");
    await page.getByTestId("warmup-ms").fill("0");
    await page.getByTestId("run").click();
    await page.getByTestId("run").getByText("Run benchmark").waitFor({ timeout: 840_000 });
    const rows = (await tableText(page, "throughput-table")).trim().split("\n");
    assert.equal(rows.length, 1, `one row, burn's (the WGSL reference is the MLP's):\n${rows.join("\n")}`);
    // burn 0.21's attention autotuner on a WebGPU device without shader-f16 (SwiftShader)
    // picks a flash-attention kernel that declares `enable f16`, which the device refuses:
    // the row then fails with that kernel named (refused in its check or in its timed work),
    // never with a figure, or a wrong result, of work that did not run.
    const measured = new RegExp(String.raw`^encoder:tiny\tFP32\t1\tburn\tsequences\t${FIGURE}\t`);
    const refused = /^encoder:tiny\tFP32\t1\tburn\tsequences\tfailed \(kernel rejected\): the device refused a kernel of (the timed work|the row's check), so it did not run: .*attention/;
    assert.ok(measured.test(rows[0]) || refused.test(rows[0]), rows[0]);
    console.log(`encoder:tiny on SwiftShader: ${rows[0]}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-BENCHMARK_REPORT.md").click(),
    ]);
    const report = await readFile(await download.path(), "utf8");
    assert.match(report, /## Transformer encoder: tiny/);
    assert.match(report, /### encoder:tiny FP32, burn/);
  });
});

test("Stop keeps the finished rows, marked partial", { timeout: 900_000 }, async () => {
  await withPage("stop", async (page) => {
    await page.goto(base);
    await page.getByTestId("adapter-name").waitFor({ timeout: 60_000 });
    await page.getByTestId("sizes").fill("small,medium");
    await page.getByTestId("batch-sizes").fill("1,16,64");
    await page.getByTestId("iterations").fill("5");
    await page.getByTestId("repeat").fill("1");
    await page.getByTestId("warmup-ms").fill("50");
    await page.getByTestId("run").click();
    await page.locator("[data-testid=throughput-table] tbody tr").first().waitFor({ timeout: 840_000 });
    await page.getByTestId("stop").click();
    await page.getByTestId("run").getByText("Run benchmark").waitFor({ timeout: 840_000 });
    const partial = page.getByTestId("partial");
    await partial.waitFor({ timeout: 10_000 });
    assert.match(await partial.innerText(), /Stop button/);
    const rows = (await tableText(page, "throughput-table")).trim().split("\n");
    assert.ok(rows.length >= 1 && rows.length < 2 * 2 * 3 * 2, `${rows.length} of 24 rows`);
  });
});

/// Keeps every GPUDevice the page asks for in `window.devices`, for a test to take away.
const RECORD_DEVICES = () => {
  window.devices = [];
  const request = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (descriptor) {
    const device = await request.call(this, descriptor);
    window.devices.push(device);
    return device;
  };
};

/// Starts a short WebGPU run (small, FP32, batch sizes `batches`) and waits for its first row.
async function startShortRun(page, batches) {
  await page.goto(base);
  await page.getByTestId("adapter-name").waitFor({ timeout: 60_000 });
  await page.getByTestId("sizes").fill("small");
  await page.getByTestId("batch-sizes").fill(batches);
  await page.getByTestId("iterations").fill("5");
  await page.getByTestId("repeat").fill("1");
  await page.getByTestId("warmup-ms").fill("50");
  await page.getByTestId("run").click();
  await page.locator("[data-testid=throughput-table] tbody tr").first().waitFor({ timeout: 840_000 });
}

test("a reload mid-run shows the rows that had finished, marked unfinished", { timeout: 900_000 }, async () => {
  await withPage("reload-mid-run", async (page) => {
    await startShortRun(page, "1,16,64");
    const before = (await tableText(page, "throughput-table")).trim().split("\n");
    // What a tab crash leaves: the page gone mid-run, then opened again.
    await page.reload();
    const partial = page.getByTestId("partial");
    await partial.waitFor({ timeout: 60_000 });
    assert.match(await partial.innerText(), /did not finish/);
    const after = (await tableText(page, "throughput-table")).trim().split("\n");
    assert.ok(after.length >= before.length, `${after.length} rows kept, ${before.length} were shown`);
    for (const row of before) {
      const key = row.split("\t").slice(0, 4).join("\t");
      assert.ok(after.some((r) => r.startsWith(key)), `${key} kept:\n${after.join("\n")}`);
    }
  });
});

test("a lost WebGPU device fails its configuration and the run goes on with a new one", { timeout: 900_000 }, async () => {
  await withPage("device-lost", async (page) => {
    await page.addInitScript(RECORD_DEVICES);
    await startShortRun(page, "1,16");
    await page.evaluate(() => window.devices.forEach((device) => device.destroy()));
    await page.getByTestId("run").getByText("Run benchmark").waitFor({ timeout: 840_000 });
    assert.equal(await page.getByTestId("partial").count(), 0, "the run finished");
    const rows = (await tableText(page, "throughput-table")).trim().split("\n");
    const lost = rows.filter((r) => r.includes("failed (device lost)"));
    assert.equal(lost.length, 1, `one configuration lost with the device:\n${rows.join("\n")}`);
    assert.match(lost[0], /destroyed/, "the browser's reason");
    assert.ok(
      rows.some((r) => /\t16\tburn\t/.test(r) && new RegExp(FIGURE).test(r)),
      `batch 16 measured on the new device:\n${rows.join("\n")}`,
    );
    assert.ok(await page.evaluate(() => window.devices.length) >= 2, "a second device");
    assert.match(await page.getByTestId("notes").innerText(), /lost the WebGPU device.*went on with a new device/);
  });
});

test("a broken or hostile link shows a message, never markup", async () => {
  await withPage("broken-link", async (page) => {
    await page.goto(`${base}#r=1.<img src=x onerror=alert(1)>`);
    const message = page.getByTestId("message");
    await message.waitFor({ timeout: 60_000 });
    assert.match(await message.innerText(), /Could not open the shared result/);
    assert.equal(await page.locator("main img[src=x]").count(), 0);
    await page.goto(`${base}#r=9.AAAA`);
    await page.reload();
    await page.getByTestId("message").waitFor();
    assert.match(await page.getByTestId("message").innerText(), /newer nlbench/);
  });
});
