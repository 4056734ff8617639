import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { modelReloadSettings, settingsSchema } from '../../common/settings';
import { TRUSTED_ONLY_SETTINGS } from '../../client/src/settingsSection';

/**
 * The manifest must match the code: `contributes.configuration` mirrors the zod settings schema,
 * and `contributes.commands` lists exactly the commands the client registers.
 */

/** The repository root, found from the bundled test's folder (`dist/test/unit`) or the source's. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'client', 'src'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const root = repoRoot();

interface CommandContribution {
  command: string;
  title: string;
  category?: string;
}

interface Manifest {
  categories: string[];
  keywords: string[];
  icon: string;
  galleryBanner: { color: string; theme: string };
  extensionKind: string[];
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
  contributes: {
    keybindings?: { command: string; key: string; mac?: string }[];
    walkthroughs?: {
      id: string;
      title: string;
      steps: {
        id: string;
        title: string;
        description: string;
        media: { markdown?: string; image?: string };
        completionEvents?: string[];
      }[];
    }[];
    commands: CommandContribution[];
    configuration: { title: string; properties: Record<string, Record<string, unknown>> };
    menus?: Record<string, { command: string; when?: string; group?: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

/** The keys of a JSON schema leaf that VS Code also understands and the two must agree on. */
const COMPARED_KEYS = ['type', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum'];

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema> } & Record<string, unknown>;

/** Every leaf of the schema by its full setting name, e.g. `slmAssist.model.path`. */
function schemaLeaves(schema: JsonSchema, prefix: string): Map<string, JsonSchema> {
  const leaves = new Map<string, JsonSchema>();
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = `${prefix}.${name}`;
    if (child.type === 'object' && child.properties) {
      for (const [leafKey, leaf] of schemaLeaves(child, key)) leaves.set(leafKey, leaf);
    } else {
      leaves.set(key, child);
    }
  }
  return leaves;
}

function pick(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(COMPARED_KEYS.filter((key) => key in object).map((key) => [key, object[key]]));
}

/** The text of every TypeScript file below a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

function matches(texts: string[], pattern: RegExp): Set<string> {
  return new Set(texts.flatMap((text) => [...text.matchAll(pattern)].map((match) => match[1])));
}

describe('manifest', () => {
  describe('contributes.configuration', () => {
    const leaves = schemaLeaves(z.toJSONSchema(settingsSchema) as JsonSchema, 'slmAssist');
    const properties = manifest.contributes.configuration.properties;

    it('has exactly one property per schema field', () => {
      assert.deepEqual(Object.keys(properties).sort(), [...leaves.keys()].sort());
    });

    for (const [key, leaf] of leaves) {
      it(`${key} has the schema's type, default and bounds`, () => {
        const property = properties[key];
        assert.ok(property, `${key} is not contributed`);
        assert.deepEqual(pick(property), pick(leaf));
      });

      it(`${key} explains its values: enum descriptions, and whether a change reloads a model`, () => {
        const property = properties[key];
        assert.ok(property, `${key} is not contributed`);
        assert.ok('default' in property, `${key} has no default`);
        if (Array.isArray(property.enum)) {
          const descriptions = property.enumDescriptions;
          assert.ok(
            Array.isArray(descriptions) && descriptions.length === property.enum.length,
            `${key} needs one enumDescription per value`,
          );
        }
        const reloads = (modelReloadSettings as readonly string[]).includes(key.slice('slmAssist.'.length));
        assert.equal(
          /Changing it reloads the (chat )?model\./.test(String(property.markdownDescription)),
          reloads,
          `${key}: says it reloads the model exactly when it does`,
        );
      });

      it(`${key} is documented and scoped`, () => {
        const property = properties[key];
        assert.ok(property, `${key} is not contributed`);
        assert.equal(typeof property.markdownDescription, 'string');
        assert.ok((property.markdownDescription as string).length > 10, `${key} needs a real description`);
        assert.ok(
          ['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(
            property.scope as string,
          ),
          `${key} has no valid scope`,
        );
      });
    }
  });

  describe('contributes.commands', () => {
    const code = sources(join(root, 'client', 'src'));
    const contributed = manifest.contributes.commands.map((command) => command.command);
    // One segment after the prefix: `slmAssist.model.path` is a setting, not a command.
    const registered = matches(code, /registerCommand\(\s*['"](slmAssist\.[A-Za-z]+)['"]/g);
    const referenced = matches(code, /['"](slmAssist\.[A-Za-z]+)['"]/g);

    it('contributes exactly the commands the client registers', () => {
      assert.ok(registered.size > 0, 'no registerCommand calls found in client/src');
      assert.deepEqual([...contributed].sort(), [...registered].sort());
    });

    it('contributes every command id the client refers to', () => {
      const missing = [...referenced].filter((id) => !contributed.includes(id));
      assert.deepEqual(missing, []);
    });

    it('gives every command a title and the SLM Assist category', () => {
      for (const command of manifest.contributes.commands) {
        assert.ok(command.title.length > 0, `${command.command} has no title`);
        assert.equal(command.category, 'SLM Assist', `${command.command} category`);
      }
    });

    it('lists each command once', () => {
      assert.equal(new Set(contributed).size, contributed.length);
    });

    it('offers summarize and explain in the editor context menu, the selection ones only with a selection', () => {
      const context = manifest.contributes.menus?.['editor/context'] ?? [];
      const entry = (command: string) => context.find((item) => item.command === command);
      for (const command of ['slmAssist.summarizeSelection', 'slmAssist.explainSelection']) {
        assert.equal(entry(command)?.when, 'editorHasSelection', command);
      }
      assert.ok(entry('slmAssist.summarizeFile'), 'slmAssist.summarizeFile is not in the context menu');
      for (const item of context) assert.match(item.group ?? '', /^slmAssist@\d+$/, item.command);
    });

    it('only puts contributed commands in menus', () => {
      for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
        for (const item of items) assert.ok(contributed.includes(item.command), `${menu} names ${item.command}`);
      }
    });
  });

  describe('feels native', () => {
    it('has categories, keywords, an icon that exists and a gallery banner', () => {
      assert.ok(manifest.categories.length > 0 && manifest.keywords.length >= 5);
      assert.ok(existsSync(join(root, manifest.icon)), `${manifest.icon} does not exist`);
      assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    });

    it('runs where the files are (a workspace extension) and activates after start-up only', () => {
      assert.deepEqual(manifest.extensionKind, ['workspace']);
      // Commands and walkthrough steps activate the extension by themselves; inline completion in any
      // file needs it running, without delaying the window's start.
      assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
    });

    it('supports Restricted Mode with limits: the model paths a workspace sets are restricted settings', () => {
      const trust = manifest.capabilities.untrustedWorkspaces;
      assert.equal(trust.supported, 'limited');
      assert.match(trust.description ?? '', /Restricted Mode/);
      assert.deepEqual([...(trust.restrictedConfigurations ?? [])].sort(), TRUSTED_ONLY_SETTINGS.map((key) => `slmAssist.${key}`).sort());
    });

    it('binds a key to toggling completions, on every platform', () => {
      const binding = manifest.contributes.keybindings?.find((k) => k.command === 'slmAssist.toggleInlineCompletions');
      assert.ok(binding?.key && binding.mac, 'slmAssist.toggleInlineCompletions needs a key and a mac key');
    });

    it('has a walkthrough whose steps each have existing media and a way to complete them', () => {
      const walkthrough = manifest.contributes.walkthroughs?.[0];
      assert.ok(walkthrough, 'no walkthrough');
      assert.deepEqual(
        walkthrough.steps.map((step) => step.id),
        ['model', 'complete', 'summarize', 'privacy'],
      );
      const contributed = manifest.contributes.commands.map((c) => c.command);
      for (const step of walkthrough.steps) {
        const media = step.media.markdown ?? step.media.image;
        assert.ok(media && existsSync(join(root, media)), `${step.id}: media ${media} does not exist`);
        assert.ok(step.completionEvents?.length, `${step.id} never completes`);
        for (const [, command] of step.description.matchAll(/\(command:(slmAssist\.[A-Za-z]+)/g)) {
          assert.ok(contributed.includes(command), `${step.id} links to ${command}, which is not contributed`);
        }
      }
    });
  });
});
