import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { CompareView } from './compareView';
import { mmdsIcon } from './icon';
import { MMDSPanel } from './panel';
import { RunNotebookView } from './runNotebookView';
import { VersionView } from './versionView';

/**
 * The MMDS sidebar, version pages and comparisons.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mmds-jupyter:plugin',
  description: 'Browse, search, inspect and compare MMDS model versions.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null) => {
    const { commands, shell } = app;
    const panel = new MMDSPanel(commands);
    panel.title.icon = mmdsIcon;
    shell.add(panel, 'left', { rank: 850 });
    if (restorer) {
      restorer.add(panel, 'mmds-panel');
    }
    const versions = new Map<string, VersionView>();

    const show = (widget: Widget): void => {
      if (!widget.isAttached) {
        shell.add(widget, 'main');
      }
      shell.activateById(widget.id);
    };

    commands.addCommand(CommandIDs.openPanel, {
      label: 'MMDS: Show the model registry',
      icon: mmdsIcon,
      execute: () => shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: 'MMDS: Refresh the model registry',
      execute: () => panel.refresh()
    });
    commands.addCommand(CommandIDs.openVersion, {
      label: args => `MMDS: Open ${(args['ref'] as string) ?? 'a version'}`,
      execute: args => {
        const ref = args['ref'] as string;
        let view = versions.get(ref);
        if (!view || view.isDisposed) {
          view = new VersionView(ref, commands);
          view.disposed.connect(() => versions.delete(ref));
          versions.set(ref, view);
        }
        show(view);
      }
    });
    commands.addCommand(CommandIDs.openRunNotebook, {
      label: args =>
        `MMDS: Open the executed notebook of run ${(args['id'] as number) ?? ''}`,
      execute: args => {
        const id = Number(args['id']);
        const existing = Array.from(shell.widgets('main')).find(
          w => w.id === `mmds-run-${id}` && !w.isDisposed
        );
        show(existing ?? new RunNotebookView(id));
      }
    });
    commands.addCommand(CommandIDs.compare, {
      label: 'MMDS: Compare versions',
      execute: args => {
        const refs = (args['refs'] as string[]) ?? [];
        show(new CompareView(refs, commands));
      }
    });
  }
};

export default plugin;
