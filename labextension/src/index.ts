import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { CompareView } from './compareView';
import { askDatasetHash, DatasetView } from './datasetView';
import { compareKey } from './diff';
import { mmdsIcon } from './icon';
import { MMDSPanel } from './panel';
import { RunNotebookView } from './runNotebookView';
import { readSettings } from './settings';
import { VersionView } from './versionView';

const PLUGIN_ID = 'mmds-jupyter:plugin';
const CATEGORY = 'MMDS';

/**
 * A main-area view in JupyterLab's own frame (toolbar, title, busy state), with the view's
 * title and id.
 */
function framed<T extends Widget>(content: T): MainAreaWidget<T> {
  const widget = new MainAreaWidget({ content });
  widget.id = `${content.id}-main`;
  widget.title.icon = mmdsIcon;
  return widget;
}

/**
 * The MMDS sidebar, version pages and comparisons.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Browse, search, inspect and compare MMDS model versions.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    IRenderMimeRegistry
  ],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    const { commands, shell } = app;
    const panel = new MMDSPanel(commands);
    panel.title.icon = mmdsIcon;
    if (settingRegistry) {
      try {
        const settings = await settingRegistry.load(PLUGIN_ID);
        const apply = (): void =>
          panel.applySettings(readSettings(settings.composite));
        apply();
        settings.changed.connect(apply);
      } catch (error) {
        console.warn('MMDS: the panel settings could not be read', error);
      }
    }
    shell.add(panel, 'left', { rank: 850 });

    const versions = new WidgetTracker<MainAreaWidget<VersionView>>({
      namespace: 'mmds-version'
    });
    const datasets = new WidgetTracker<MainAreaWidget<DatasetView>>({
      namespace: 'mmds-dataset'
    });
    const comparisons = new WidgetTracker<MainAreaWidget<CompareView>>({
      namespace: 'mmds-compare'
    });
    const runs = new WidgetTracker<MainAreaWidget<RunNotebookView>>({
      namespace: 'mmds-run'
    });
    // An open version page shows a stage, alias or tag change made elsewhere.
    panel.changed.connect(() => {
      versions.forEach(widget => widget.content.refresh());
      datasets.forEach(widget => widget.content.refresh());
    });
    if (restorer) {
      restorer.add(panel, 'mmds-panel');
      void restorer.restore(versions, {
        command: CommandIDs.openVersion,
        args: w => ({ ref: w.content.ref }),
        name: w => w.content.ref
      });
      void restorer.restore(datasets, {
        command: CommandIDs.openDataset,
        args: w => ({ hash: w.content.contentHash }),
        name: w => w.content.contentHash
      });
      void restorer.restore(comparisons, {
        command: CommandIDs.compare,
        args: w => ({ refs: w.content.refs }),
        name: w => w.content.key
      });
      void restorer.restore(runs, {
        command: CommandIDs.openRunNotebook,
        args: w => ({ id: w.content.runId }),
        name: w => String(w.content.runId)
      });
    }

    /**
     * Bring a tracked view forward; a new one is added to the main area and its tracker.
     */
    const show = <T extends Widget>(
      tracker: WidgetTracker<MainAreaWidget<T>>,
      found: MainAreaWidget<T> | undefined,
      make: () => T
    ): MainAreaWidget<T> => {
      let widget = found;
      if (!widget || widget.isDisposed) {
        widget = framed(make());
        void tracker.add(widget);
      }
      if (!widget.isAttached) {
        shell.add(widget, 'main');
      }
      shell.activateById(widget.id);
      return widget;
    };

    commands.addCommand(CommandIDs.openPanel, {
      label: 'Show the model registry',
      caption: 'Open the MMDS panel in the left sidebar',
      icon: mmdsIcon,
      execute: () => shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.newJob, {
      label: 'New job: schedule a notebook',
      caption:
        'Open the Jobs tab with the form of a new scheduled notebook run',
      execute: async () => {
        shell.activateById(panel.id);
        await panel.newJob();
      }
    });
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh the model registry',
      execute: () => panel.refresh()
    });
    commands.addCommand(CommandIDs.compareSelected, {
      label: () => {
        const n = panel.selection.length;
        return n >= 2
          ? `Compare the ${n} selected versions`
          : 'Compare the selected versions (tick two or more in the panel)';
      },
      isEnabled: () => panel.selection.length >= 2,
      execute: () => panel.compareSelected()
    });
    commands.addCommand(CommandIDs.openVersion, {
      label: args => `Open ${(args['ref'] as string) ?? 'a version'}`,
      execute: args => {
        const ref = args['ref'] as string;
        show(
          versions,
          versions.find(w => w.content.ref === ref),
          () => new VersionView(ref, commands)
        );
      }
    });
    commands.addCommand(CommandIDs.openDataset, {
      label: args =>
        `Open data set ${((args['hash'] as string) ?? '').slice(0, 12)}`,
      execute: args => {
        const hash = args['hash'] as string;
        show(
          datasets,
          datasets.find(w => w.content.contentHash === hash),
          () => new DatasetView(hash, commands)
        );
      }
    });
    commands.addCommand(CommandIDs.askDataset, {
      label: 'Open data set…',
      caption:
        "Open a data set's page by its content hash or a unique prefix of one",
      execute: async () => {
        const hash = await askDatasetHash();
        if (hash) {
          await commands.execute(CommandIDs.openDataset, { hash });
        }
      }
    });
    commands.addCommand(CommandIDs.openRunNotebook, {
      label: args =>
        `Open the executed notebook of run ${(args['id'] as number) ?? ''}`,
      execute: args => {
        const id = Number(args['id']);
        show(
          runs,
          runs.find(w => w.content.runId === id),
          () => new RunNotebookView(id, rendermime)
        );
      }
    });
    commands.addCommand(CommandIDs.compare, {
      label: 'Compare versions',
      execute: args => {
        const refs = (args['refs'] as string[]) ?? [];
        const key = compareKey(refs);
        // The same selection compared again brings its tab forward, not a duplicate.
        show(
          comparisons,
          comparisons.find(w => w.content.key === key),
          () => new CompareView(refs, commands)
        );
      }
    });
    if (palette) {
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.compareSelected,
        CommandIDs.refresh,
        CommandIDs.newJob,
        CommandIDs.askDataset
      ]) {
        palette.addItem({ command, category: CATEGORY });
      }
    }
  }
};

export default plugin;
