import { centredOn, fitted, MAX_SCALE, panned, zoomed } from '../panZoom';

describe('the lineage box geometry', () => {
  it('centres the view on a point at 1:1', () => {
    expect(centredOn(500, 100, 400, 200)).toEqual({
      x: 300,
      y: 0,
      width: 400,
      height: 200
    });
  });

  it('zooms about the centre and keeps the scale in bounds', () => {
    const view = centredOn(500, 100, 400, 200);
    const closer = zoomed(view, 2, 400);
    expect(closer).toEqual({ x: 400, y: 50, width: 200, height: 100 });
    let far = view;
    for (let i = 0; i < 20; i++) {
      far = zoomed(far, 2, 400);
    }
    expect(400 / far.width).toBeCloseTo(MAX_SCALE);
  });

  it('moves the graph with the pointer, in graph units at the current scale', () => {
    const view = { x: 400, y: 50, width: 200, height: 100 }; // scale 2 in a 400-px box
    expect(panned(view, 40, -20, 400)).toEqual({
      x: 380,
      y: 60,
      width: 200,
      height: 100
    });
  });

  it('fits a wide graph in the box, never closer than 1:1', () => {
    const wide = fitted({ width: 1600, height: 200 }, 400, 200);
    expect(400 / wide.width).toBeCloseTo(0.25);
    const small = fitted({ width: 100, height: 50 }, 400, 200);
    expect(small.width).toBe(400);
    expect(small.x + small.width / 2).toBe(50);
  });
});
