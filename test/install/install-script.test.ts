import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../support/node-process.js';
import { buildCheckoutCopy } from '../support/built-checkout.js';

const INSTALL = join(PROJECT_ROOT, 'scripts', 'install.sh');
const UNINSTALL = join(PROJECT_ROOT, 'scripts', 'uninstall.sh');
const UNIT_TEMPLATE = join(PROJECT_ROOT, 'scripts', 'systemd', 'nutgiao.service');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(script, args, { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function explain(run: Run): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

/** Every path under root with its kind and permission bits, not descending into the package's own folders. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const info = await lstat(path);
      const kind = info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file';
      out.push(`${kind} ${(info.mode & 0o7777).toString(8)} ${relPath}`);
      if (info.isDirectory() && !relPath.startsWith('opt/nutgiao/')) await walk(path, relPath);
    }
  };
  await walk(root, '');
  return out;
}

let release: { dir: string; remove: () => Promise<void> };
const scratch: string[] = [];

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `nutgiao-${name}-`));
  scratch.push(dir);
  return dir;
}

test.before(async () => {
  release = await buildCheckoutCopy();
});

test.after(async () => {
  await release?.remove();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

test('--dry-run prints the commands of a real install and changes nothing', async () => {
  const prefix = join(await tempDir('dry'), 'root');
  const run = await sh(INSTALL, ['--dry-run', '--prefix', prefix, '--no-user', release.dir]);
  assert.is(run.code, 0, explain(run));
  const commands = run.stdout.split('\n').filter((line) => line.startsWith('+ '));
  const expected = [
    `+ install -d -m 0755 ${prefix}/opt/nutgiao.new`,
    ...['bin', 'edge', 'sim', 'protocol', 'README.md', 'package.json', 'package-lock.json'].map((item) => `+ cp -a ${release.dir}/${item} ${prefix}/opt/nutgiao.new/`),
    `+ npm --prefix ${prefix}/opt/nutgiao.new pkg delete scripts.prepare`,
    `+ npm --prefix ${prefix}/opt/nutgiao.new ci --omit=dev --no-audit --no-fund`,
    `+ mv ${prefix}/opt/nutgiao.new ${prefix}/opt/nutgiao`,
    `+ ln -sfn /opt/nutgiao/bin/nutgiao.js ${prefix}/usr/local/bin/nutgiao`,
    `+ install -d -m 0770 ${prefix}/etc/nutgiao`,
    `+ install -m 0660 ${release.dir}/edge/config/example.yaml ${prefix}/etc/nutgiao/config.yaml.new`,
    `+ mv ${prefix}/etc/nutgiao/config.yaml.new ${prefix}/etc/nutgiao/config.yaml`,
    `+ install -d -m 0750 ${prefix}/var/lib/nutgiao`,
    `+ install -m 0644 ${UNIT_TEMPLATE} ${prefix}/etc/systemd/system/nutgiao.service`,
  ];
  for (const line of expected) assert.ok(commands.includes(line), `missing: ${line}\n${explain(run)}`);
  assert.ok(commands.some((line) => line.startsWith(`+ cp -a ${release.dir}/dist `)), explain(run));
  assert.not.ok(commands.some((line) => /useradd|groupadd|chown (root:)?nutgiao|systemctl/.test(line)), `--no-user and a staged prefix run neither useradd nor systemctl\n${explain(run)}`);
  assert.match(run.stdout, /staged under .*: not running systemctl/);
  assert.not.ok(await lstat(prefix).then(() => true, () => false), 'a dry run created the prefix');
});

test('a real install into a prefix lays out the tree, the installed node runs, and uninstall keeps config and state until --purge', async () => {
  const prefix = await tempDir('root');
  const installed = await sh(INSTALL, ['--prefix', prefix, '--no-user', '--copy-node-modules', release.dir]);
  assert.is(installed.code, 0, explain(installed));

  const layout = await tree(prefix);
  for (const entry of [
    'dir 770 etc/nutgiao',
    'file 660 etc/nutgiao/config.yaml',
    'file 644 etc/systemd/system/nutgiao.service',
    'dir 755 opt/nutgiao',
    'dir 755 opt/nutgiao/bin',
    'dir 755 opt/nutgiao/dist',
    'link 777 opt/nutgiao/node_modules',
    'file 644 opt/nutgiao/package.json',
    'link 777 usr/local/bin/nutgiao',
    'dir 750 var/lib/nutgiao',
  ]) {
    assert.ok(layout.includes(entry), `missing ${entry} in:\n${layout.join('\n')}`);
  }
  assert.not.ok(layout.some((entry) => /opt\/nutgiao\.(new|old)$/.test(entry)), layout.join('\n'));
  assert.is(await readlink(join(prefix, 'usr/local/bin/nutgiao')), '/opt/nutgiao/bin/nutgiao.js');
  assert.is(await readFile(join(prefix, 'etc/systemd/system/nutgiao.service'), 'utf8'), await readFile(UNIT_TEMPLATE, 'utf8'));
  const packageJson = JSON.parse(await readFile(join(prefix, 'opt/nutgiao/package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.is(packageJson.scripts.prepare, undefined, 'npm must not rebuild on the cabinet');
  const config = await readFile(join(prefix, 'etc/nutgiao/config.yaml'), 'utf8');
  assert.match(config, /^ {2}watchdog: \{ driver: systemd \}$/m, 'the installed config feeds the unit watchdog');

  // The installed package itself validates the installed config, as a technician would check it.
  const check = await sh(process.execPath, [join(prefix, 'opt/nutgiao/bin/nutgiao.js'), 'config', 'check', join(prefix, 'etc/nutgiao/config.yaml')]);
  assert.is(check.code, 0, explain(check));
  assert.match(check.stdout, /valid/);

  // A technician's config and the node's state survive a reinstall and a plain uninstall.
  const edited = `# edited at the cabinet\n${config}`;
  await writeFile(join(prefix, 'etc/nutgiao/config.yaml'), edited);
  await writeFile(join(prefix, 'var/lib/nutgiao/boot.json'), '{"boot":7}');
  const again = await sh(INSTALL, ['--prefix', prefix, '--no-user', '--copy-node-modules', release.dir]);
  assert.is(again.code, 0, explain(again));
  assert.match(again.stdout, /keeping the existing .*config\.yaml/);
  assert.is(await readFile(join(prefix, 'etc/nutgiao/config.yaml'), 'utf8'), edited);

  const removed = await sh(UNINSTALL, ['--prefix', prefix]);
  assert.is(removed.code, 0, explain(removed));
  const afterUninstall = await tree(prefix);
  assert.not.ok(afterUninstall.some((entry) => / (opt\/nutgiao|usr\/local\/bin\/nutgiao|etc\/systemd\/system\/nutgiao\.service)$/.test(entry)), afterUninstall.join('\n'));
  assert.is(await readFile(join(prefix, 'etc/nutgiao/config.yaml'), 'utf8'), edited);
  assert.is(await readFile(join(prefix, 'var/lib/nutgiao/boot.json'), 'utf8'), '{"boot":7}');

  const purged = await sh(UNINSTALL, ['--prefix', prefix, '--purge', '--no-user']);
  assert.is(purged.code, 0, explain(purged));
  const afterPurge = await tree(prefix);
  assert.not.ok(afterPurge.some((entry) => / (etc\/nutgiao|var\/lib\/nutgiao)$/.test(entry)), afterPurge.join('\n'));
});

test('refuses a source whose build is older than its sources, naming the file and the fix', async () => {
  const source = await tempDir('stale');
  for (const dir of ['bin', 'dist', 'edge/config', 'sim', 'protocol']) await mkdir(join(source, dir), { recursive: true });
  for (const file of ['package.json', 'bin/nutgiao.js', 'dist/.built', 'edge/config/example.yaml']) await writeFile(join(source, file), '');
  await writeFile(join(source, 'edge/changed.ts'), '');
  const past = new Date(Date.now() - 60_000);
  await utimes(join(source, 'dist/.built'), past, past);
  const run = await sh(INSTALL, ['--dry-run', '--prefix', join(source, 'root'), '--no-user', source]);
  assert.is(run.code, 1, explain(run));
  assert.match(run.stderr, /the build in .*dist is older than edge\/changed\.ts: run 'npm run build' there first/);
});

test('an example config it cannot adapt to the watchdog stops the install and leaves no config behind', async () => {
  const source = await tempDir('odd-example');
  for (const dir of ['bin', 'dist', 'edge/config', 'node_modules']) await mkdir(join(source, dir), { recursive: true });
  await writeFile(join(source, 'package.json'), '{"name":"odd","version":"0.0.0","scripts":{"prepare":"false"}}');
  await writeFile(join(source, 'bin/nutgiao.js'), '');
  await writeFile(join(source, 'edge/config/example.yaml'), 'hardware:\n  watchdog: { driver: sim }\n');
  await writeFile(join(source, 'dist/.built'), '');
  const prefix = join(source, 'root');
  const run = await sh(INSTALL, ['--prefix', prefix, '--no-user', '--copy-node-modules', source]);
  assert.is(run.code, 1, explain(run));
  assert.match(run.stderr, /example\.yaml: no line '  watchdog: \{ driver: none \}' to set to systemd/);
  assert.not.ok(await lstat(join(prefix, 'etc/nutgiao/config.yaml')).then(() => true, () => false), 'a rerun would keep a config the node cannot start with');
});

test('refuses a folder that is not a built package, and an unknown option', async () => {
  const empty = await tempDir('empty');
  const notBuilt = await sh(INSTALL, ['--dry-run', '--prefix', join(empty, 'root'), empty]);
  assert.is(notBuilt.code, 1, explain(notBuilt));
  assert.match(notBuilt.stderr, /is not a built NutGiao checkout or release \(missing: package\.json bin\/nutgiao\.js dist\/\.built edge\/config\/example\.yaml\)\. Run 'npm install' there first/);
  const unknown = await sh(INSTALL, ['--dry-run', '--frobnicate']);
  assert.is(unknown.code, 2, explain(unknown));
  assert.match(unknown.stderr, /unknown option --frobnicate/);
  assert.match(unknown.stderr, /--no-start/, 'the usage follows the error');
});

test.run();
