-- PLACEHOLDER on branch i16 only: number 0014 belongs to another branch.
-- The lead deletes this file when merging (that branch brings the real 0014).
DO 0;
