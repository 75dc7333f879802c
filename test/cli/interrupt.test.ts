/**
 * Ctrl-C during training in a terminal (issue 16, item 13): one Ctrl-C stops
 * the command with "cancelled" and exit code 130. It used to print "This
 * operation was aborted" and hang until a second Ctrl-C, because the live
 * progress bar's redraw timer kept the process running.
 *
 * A real terminal is needed (the bar only runs on a TTY): a small Python
 * harness runs the CLI in a pseudo-terminal, waits for the progress bar,
 * types Ctrl-C once, and reports how the CLI ended. Its alarm only stops a
 * hang (reported as HANG); nothing here measures speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const PYTHON = '/usr/bin/python3';

const HARNESS = `
import os, pty, signal, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
def on_alarm(*_):
    sys.stdout.write(out.decode('utf8', 'replace') + '\\nHANG\\n')
    os.kill(pid, signal.SIGKILL)
    sys.exit(3)
signal.signal(signal.SIGALRM, on_alarm)
signal.alarm(90)
def read():
    global out
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    out += chunk
    return len(chunk) > 0
while b'epoch' not in out and read():
    pass
os.write(fd, b'\\x03')
while read():
    pass
_, status = os.waitpid(pid, 0)
signal.alarm(0)
sys.stdout.write(out.decode('utf8', 'replace') + '\\nEXIT %d\\n' % os.waitstatus_to_exitcode(status))
`;

test('one Ctrl-C during training in a terminal: "cancelled", exit 130, no model written, no hang', { skip: existsSync(PYTHON) ? false : `needs ${PYTHON} for a pseudo-terminal` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-interrupt-'));
  const lines = ['user,item'];
  for (let u = 0; u < 300; u++) for (let i = 0; i < 40; i++) if ((u * 7 + i * 13) % 5 === 0) lines.push(`u${u},i${i}`);
  writeFileSync(join(dir, 'events.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'harness.py'), HARNESS);
  const args = ['train', '-d', 'events.csv', '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'mult-dae', '-p', 'epochs=1000000', '-o', join(dir, 'model')];
  const run = spawnSync(PYTHON, [join(dir, 'harness.py'), process.execPath, cli, ...args], { cwd: dir, encoding: 'utf8' });
  assert.doesNotMatch(run.stdout, /HANG/, run.stdout.slice(-2000));
  assert.match(run.stdout, /EXIT 130/, run.stdout.slice(-2000));
  assert.match(run.stdout, /recoder: cancelled/);
  assert.doesNotMatch(run.stdout, /This operation was aborted/);
  assert.equal(existsSync(join(dir, 'model')), false, 'no model directory after a cancelled fit');
});
