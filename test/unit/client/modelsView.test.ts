import assert from 'node:assert/strict';
import { memoryText, modelActions, modelOffer, modelRows, sizeText } from '../../../client/src/modelsView';
import type { ModelEntry, ModelsResult } from '../../../common/protocol';

const base: ModelEntry = {
  id: 'qwen2.5-coder-1.5b',
  name: 'Qwen2.5-Coder 1.5B',
  role: 'completion',
  fileName: 'Qwen2.5-Coder-1.5B.Q4_K_M.gguf',
  sizeBytes: 986_000_000,
  sizeExact: false,
  verified: true,
  license: 'Apache-2.0',
  parameters: '1.54B',
  inUse: [],
  memoryBytes: 1_552_941_056,
  fits: true,
  inCatalog: true,
};

function models(overrides: Partial<ModelsResult> = {}): ModelsResult {
  return {
    directory: '/home/me/.models',
    downloads: { allowed: true },
    machine: { totalMemoryBytes: 16 * 2 ** 30, availableMemoryBytes: 9 * 2 ** 30, cores: 8 },
    recommended: { id: base.id, reason: 'this machine has 16 GiB of memory and 8 cores' },
    entries: [base],
    ...overrides,
  };
}

describe('models view', function () {
  it('writes sizes as model pages do, and says when a size is rounded', function () {
    assert.equal(sizeText(1_117_320_768), '1.1 GB');
    assert.equal(sizeText(398_000_000, false), 'about 398 MB');
    assert.equal(sizeText(1_555_872), '1.6 MB');
    assert.equal(memoryText(1_552_941_056), '1.4 GiB');
  });

  it('offers the recommended model with its size and the reason, then a file of your own, then the others', function () {
    const offer = modelOffer(models());
    assert.ok(offer?.download);
    assert.equal(offer.download.label, 'Download Qwen2.5-Coder 1.5B (4-bit, about 986 MB)');
    assert.match(offer.message, /suits this machine \(this machine has 16 GiB of memory and 8 cores\)/);
    assert.equal(offer.choose, 'Choose a GGUF File…');
    assert.equal(offer.others, 'Other Models…');
  });

  it('names the mirror a download would come from', function () {
    assert.match(
      modelOffer(models({ downloads: { allowed: true, mirror: 'https://artifacts.corp:8443' } }))!.message,
      /downloads once from artifacts\.corp:8443/,
    );
  });

  it('offers no download when downloads are off, and says where to put a file instead', function () {
    const offer = modelOffer(
      models({
        downloads: { allowed: false, reason: 'downloads are off (slmAssist.network.allowRemote is false). Put a GGUF file in /m.' },
      }),
    );
    assert.equal(offer?.download, undefined);
    assert.match(offer?.message ?? '', /allowRemote is false\)\. Put a GGUF file in \/m\./);
    assert.equal(offer?.importFile, 'Import Model File…');
  });

  it('lists each model with its role, size, memory, and whether it is installed or in use', function () {
    const [row] = modelRows(models({ entries: [{ ...base, fits: false }] }));
    assert.equal(row.label, '$(cloud-download) Qwen2.5-Coder 1.5B');
    assert.equal(row.description, 'for completions · about 986 MB · needs 1.4 GiB of memory ⚠ more than is free');
    assert.match(row.detail, /Not downloaded yet\. 1\.54B parameters\. Licence: Apache-2\.0\./);
    const [used] = modelRows(models({ entries: [{ ...base, installedPath: '/m/q.gguf', inUse: ['completion', 'chat'] }] }));
    assert.equal(used.label, '$(pass-filled) Qwen2.5-Coder 1.5B');
    assert.match(used.detail, /^In use for completions and summaries\. Installed: \/m\/q\.gguf/);
  });

  it('offers download for a catalog model not installed, and use or delete for an installed one', function () {
    assert.deepEqual(
      modelActions(base, true).map((a) => a.action),
      ['download'],
    );
    assert.deepEqual(modelActions(base, false), []);
    const installed = { ...base, installedPath: '/m/q.gguf' };
    assert.deepEqual(
      modelActions(installed, true).map((a) => a.action),
      ['useForCompletion', 'useForChat', 'delete'],
    );
    assert.deepEqual(
      modelActions({ ...installed, inUse: ['completion'] }, true).map((a) => a.action),
      ['useForChat', 'delete'],
    );
  });
});
