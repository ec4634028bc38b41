import type { UsedListing } from '@pbshop/db/seed';

/** One listing as a source delivers it: the source's name is the source's own (`name`). */
export type UsedListingInput = Omit<UsedListing, 'source'>;

/**
 * Where used listings come from. The used-market module ingests any source the same way (upsert
 * on source + external id), so prices follow whichever feeds an operator wires in; the demo seed's
 * listings (`seedUsedListings` of @pbshop/db/seed) are of the same shape.
 */
export interface UsedListingSource {
  /** stored with each listing (`used_listings.source`) */
  readonly name: string;
  listings(): Iterable<UsedListingInput> | AsyncIterable<UsedListingInput>;
}
