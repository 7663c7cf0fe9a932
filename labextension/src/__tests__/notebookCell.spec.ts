import { findCell, revealCell } from '../notebookCell';

describe('findCell', () => {
  const cells = [
    'import mmds_jupyter as mmds',
    'model = LogisticRegression().fit(X, y)\n%mmds track model --name churn',
    'print(1)'
  ];

  it('finds the cell with the same source, whatever its line endings and indents', () => {
    expect(
      findCell(
        cells,
        'model = LogisticRegression().fit(X, y)\r\n  %mmds track model --name churn\n'
      )
    ).toBe(1);
  });

  it('finds the cell sharing most lines when the cell was edited since', () => {
    const edited = [...cells];
    edited[1] =
      '# refit\nmodel = LogisticRegression().fit(X, y)\n%mmds track model --name churn';
    expect(findCell(edited, cells[1])).toBe(1);
  });

  it('answers -1 when nothing matches or nothing was recorded', () => {
    expect(findCell(cells, 'something else')).toBe(-1);
    expect(findCell(cells, null)).toBe(-1);
    expect(findCell(cells, '  ')).toBe(-1);
  });
});

describe('revealCell', () => {
  it('activates and scrolls to the tracking cell once the notebook is ready', async () => {
    const widgets = ['a = 1', 'mmds.track(model)'].map(text => ({
      model: { sharedModel: { getSource: () => text } }
    }));
    const scrolled: unknown[] = [];
    const panel = {
      context: { ready: Promise.resolve() },
      revealed: Promise.resolve(),
      content: {
        widgets,
        activeCellIndex: 0,
        mode: 'edit',
        scrollToCell: (cell: unknown) => {
          scrolled.push(cell);
        }
      }
    };
    expect(await revealCell(panel, 'mmds.track(model)')).toBe(1);
    expect(panel.content.activeCellIndex).toBe(1);
    expect(panel.content.mode).toBe('command');
    expect(scrolled).toEqual([widgets[1]]);
  });

  it('leaves a widget that is not a notebook alone', async () => {
    expect(await revealCell(undefined, 'x')).toBe(-1);
  });
});
