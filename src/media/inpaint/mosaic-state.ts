/** What a mosaic pixel holds: nothing yet, background seen in some frame, or a value made by spatial fill. */
export const UNKNOWN = 0;
export const SEEN = 1;
export const MADE = 2;
