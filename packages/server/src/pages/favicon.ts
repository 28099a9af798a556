/** A door, in the accent colour: the pages' icon (SVG, so one file serves every size). */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#0b5cad"/>
<rect x="10" y="7" width="12" height="19" rx="1.5" fill="#fff"/>
<circle cx="19" cy="17" r="1.4" fill="#0b5cad"/>
</svg>
`;
