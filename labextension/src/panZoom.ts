/**
 * A lineage graph in a fixed box that zooms (buttons, Ctrl + wheel) and pans (drag), opened
 * centred on the version it belongs to: a wide graph no longer scrolls the whole page sideways
 * with the selected node off-screen. The geometry is plain functions over view boxes.
 */
import { h } from './dom';

export interface IViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MIN_SCALE = 0.25;
export const MAX_SCALE = 4;

/** The view box of a ``width`` × ``height`` box at ``scale``, centred on (cx, cy). */
export function centredOn(
  cx: number,
  cy: number,
  width: number,
  height: number,
  scale = 1
): IViewBox {
  const w = width / scale;
  const h = height / scale;
  return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
}

/** ``view`` zoomed by ``factor`` (>1 is closer) about its centre, the scale kept in bounds. */
export function zoomed(
  view: IViewBox,
  factor: number,
  boxWidth: number
): IViewBox {
  const scale = boxWidth / view.width;
  const boxHeight = view.height * scale;
  const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * factor));
  return centredOn(
    view.x + view.width / 2,
    view.y + view.height / 2,
    boxWidth,
    boxHeight,
    next
  );
}

/** ``view`` moved by a drag of (dx, dy) screen pixels (the graph follows the pointer). */
export function panned(
  view: IViewBox,
  dx: number,
  dy: number,
  boxWidth: number
): IViewBox {
  const perPixel = view.width / boxWidth;
  return { ...view, x: view.x - dx * perPixel, y: view.y - dy * perPixel };
}

/** The view box that shows the whole graph (``size``) in the box, never closer than 1:1. */
export function fitted(
  size: { width: number; height: number },
  boxWidth: number,
  boxHeight: number
): IViewBox {
  const scale = Math.max(
    MIN_SCALE,
    Math.min(1, boxWidth / size.width, boxHeight / size.height)
  );
  return centredOn(size.width / 2, size.height / 2, boxWidth, boxHeight, scale);
}

/**
 * Put ``graph`` (an SVG of natural size ``size``) in a pan-and-zoom box of at most ``maxHeight``
 * pixels: the whole graph when it fits, else centred on ``centre`` (the version's node).
 */
export function panZoomBox(
  graph: SVGSVGElement,
  size: { width: number; height: number },
  centre: { x: number; y: number },
  maxHeight = 360
): HTMLElement {
  const height = Math.min(maxHeight, size.height);
  const box = h('div', { class: 'mmds-lineage-box' });
  box.style.height = `${height}px`;
  graph.setAttribute('width', '100%');
  graph.setAttribute('height', String(height));
  let view: IViewBox | null = null;
  const width = (): number => box.clientWidth || size.width;
  const apply = (next: IViewBox): void => {
    view = next;
    graph.setAttribute(
      'viewBox',
      `${next.x} ${next.y} ${next.width} ${next.height}`
    );
    box.dataset.scale = (width() / next.width).toFixed(3);
  };
  const onVersion = (): void =>
    apply(centredOn(centre.x, centre.y, width(), height));
  // A graph that fits is shown whole; a wider one opens centred on the version.
  const start = (): void =>
    size.width <= width()
      ? apply(centredOn(size.width / 2, size.height / 2, width(), height))
      : onVersion();
  start();
  // Centred again once the box has its real width (it is measured only when shown).
  const observer = new ResizeObserver(() => {
    if (box.clientWidth && !box.dataset.placed) {
      box.dataset.placed = 'true';
      start();
      observer.disconnect(); // placed once; later resizes keep the user's view
    }
  });
  observer.observe(box);
  const zoom = (factor: number): void => {
    if (view) {
      apply(zoomed(view, factor, width()));
    }
  };
  const button = (
    label: string,
    title: string,
    cls: string,
    act: () => void
  ) => {
    const b = h(
      'button',
      { class: `mmds-zoom ${cls}`, title, type: 'button' },
      label
    );
    b.addEventListener('click', act);
    return b;
  };
  const controls = h(
    'div',
    { class: 'mmds-zoom-controls' },
    button('+', 'Zoom in', 'mmds-zoom-in', () => zoom(1.25)),
    button('−', 'Zoom out', 'mmds-zoom-out', () => zoom(0.8)),
    button('Fit', 'Show the whole graph', 'mmds-zoom-fit', () =>
      apply(fitted(size, width(), height))
    ),
    button('Centre', 'Centre on this version', 'mmds-zoom-centre', onVersion)
  );
  box.addEventListener(
    'wheel',
    event => {
      if (event.ctrlKey) {
        event.preventDefault();
        zoom(event.deltaY < 0 ? 1.1 : 0.9);
      }
    },
    { passive: false }
  );
  let drag: { x: number; y: number; moved: boolean } | null = null;
  box.addEventListener('pointerdown', event => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
  });
  box.addEventListener('pointermove', event => {
    if (!drag || !view || !(event.buttons & 1)) {
      return;
    }
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) {
      return; // a click on a node, not a drag
    }
    drag = { x: event.clientX, y: event.clientY, moved: true };
    box.classList.add('mmds-dragging');
    apply(panned(view, dx, dy, width()));
  });
  let dragged = false;
  const end = (): void => {
    dragged = drag?.moved ?? false;
    drag = null;
    box.classList.remove('mmds-dragging');
  };
  // The click that ends a drag does not open the node it ends on.
  box.addEventListener(
    'click',
    event => {
      if (dragged) {
        event.stopPropagation();
        dragged = false;
      }
    },
    true
  );
  box.addEventListener('pointerup', end);
  box.addEventListener('pointerleave', end);
  box.appendChild(graph);
  return h('div', { class: 'mmds-lineage-frame' }, controls, box);
}
