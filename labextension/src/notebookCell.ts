/**
 * The version page's notebook link opens the notebook at the cell that tracked the version.
 * Provenance keeps that cell's source (not its index, which moves as the notebook is edited), so
 * the cell is found again by its text: the same source, else the cell sharing most of its lines.
 */

/** The parts of a JupyterLab NotebookPanel this module uses (no dependency on the package). */
export interface INotebookLike {
  context?: { ready: Promise<void> };
  revealed?: Promise<void>;
  content: {
    widgets: ReadonlyArray<{ model: { sharedModel: { getSource(): string } } }>;
    activeCellIndex: number;
    mode?: string;
    scrollToCell?: (cell: unknown, align?: string) => Promise<void> | void;
  };
}

function lines(source: string): string[] {
  return source
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.length > 0);
}

/** The index of the cell that ran ``recorded`` among ``sources``, or -1 when none matches. */
export function findCell(
  sources: string[],
  recorded: string | null | undefined
): number {
  if (!recorded || !recorded.trim()) {
    return -1;
  }
  const wanted = lines(recorded);
  const exact = sources.findIndex(
    s => lines(s).join('\n') === wanted.join('\n')
  );
  if (exact >= 0) {
    return exact;
  }
  const set = new Set(wanted);
  let best = -1;
  let shared = 0;
  sources.forEach((source, i) => {
    const n = lines(source).filter(line => set.has(line)).length;
    if (n > shared) {
      best = i;
      shared = n;
    }
  });
  return best;
}

/** Make the tracking cell the notebook's active cell and scroll it into view. */
export async function revealCell(
  panel: INotebookLike | undefined,
  recorded: string | null | undefined
): Promise<number> {
  if (!panel?.content?.widgets) {
    return -1;
  }
  await panel.context?.ready;
  await panel.revealed;
  const cells = panel.content.widgets;
  const index = findCell(
    cells.map(c => c.model.sharedModel.getSource()),
    recorded
  );
  if (index >= 0) {
    panel.content.activeCellIndex = index;
    if (panel.content.mode !== undefined) {
      panel.content.mode = 'command'; // the cell selected, no cursor typed into
    }
    await panel.content.scrollToCell?.(cells[index], 'center');
  }
  return index;
}
