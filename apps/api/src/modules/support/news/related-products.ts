import { AppError } from '@pbshop/errors';
import type { ProductsService } from '../../catalog/products/service.ts';
import type { RelatedProduct } from './schemas.ts';

/**
 * Related products through the catalog's products service (its detail: live products only), in
 * the order asked. `strict`: a product that is not there is 404 PRODUCT_NOT_FOUND; otherwise it is
 * left out (deleted since the article named it).
 */
export function catalogProductSummaries(products: Pick<ProductsService, 'detail'>) {
  return async (ids: readonly number[], strict: boolean): Promise<RelatedProduct[]> => {
    const found = await Promise.all(
      ids.map((id) =>
        products.detail(id).then(
          (product): RelatedProduct => ({
            id: product.id,
            name: product.name,
            thumbnailUrl: product.thumbnailUrl,
            lowestPrice: product.lowestPrice,
          }),
          (error: unknown) => {
            if (!strict && error instanceof AppError && error.code === 'PRODUCT_NOT_FOUND') return undefined;
            throw error;
          },
        ),
      ),
    );
    return found.filter((product) => product !== undefined);
  };
}
