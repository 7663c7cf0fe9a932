import { LabIcon } from '@jupyterlab/ui-components';

// A stack of three model cards: the registry.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 5.5 12 2l8 3.5-8 3.5z"/>
    <path d="M4 10.5l8 3.5 8-3.5v2.2L12 16.2 4 12.7z"/>
    <path d="M4 15.5l8 3.5 8-3.5v2.2L12 21.2 4 17.7z"/>
  </g>
</svg>`;

export const mmdsIcon = new LabIcon({
  name: 'mmds-jupyter:registry',
  svgstr: SVG
});
