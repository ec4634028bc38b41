import {
  categories,
  type Database,
  isUniqueViolation,
  postgresError,
  products,
  type Transaction,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import { recordCategorySearchChange } from '@pbshop/search';
import { and, asc, count, eq, inArray, isNull, like, type Placeholder, type SQL, sql } from 'drizzle-orm';

export type CategoryRow = typeof categories.$inferSelect;

/** A node of `GET /categories`: the category and its subcategories, ordered. */
export interface CategoryNode {
  id: number;
  name: string;
  sortOrder: number;
  children: CategoryNode[];
}

export interface NewCategory {
  name: string;
  parentId?: number | null;
  sortOrder?: number;
}

export interface CategoryChanges {
  name?: string;
  sortOrder?: number;
  /** null: make it a root category */
  parentId?: number | null;
}

// one key for every change of the tree's shape: moves, inserts and deletes are rare admin
// actions, and serialising them is what keeps `path` right (two crossing moves cannot make a
// cycle, a child inserted during its parent's move cannot keep the old path)
const TREE_LOCK = sql`select pg_advisory_xact_lock(hashtext('pbshop:categories:tree'))`;

function duplicateName(error: unknown): AppError | undefined {
  if (isUniqueViolation(error, 'categories_parent_name_key')) {
    return new AppError('CONFLICT', {
      details: [{ field: 'name', message: 'a category of this name already exists under the same parent' }],
      cause: error,
    });
  }
  return undefined;
}

/** Rows ordered by sortOrder then name into a forest; rows whose parent is missing are left out. */
export function buildTree(
  rows: Pick<CategoryRow, 'id' | 'name' | 'sortOrder' | 'parentId'>[],
): CategoryNode[] {
  const nodes = new Map<number, CategoryNode>();
  for (const row of rows)
    nodes.set(row.id, { id: row.id, name: row.name, sortOrder: row.sortOrder, children: [] });
  const roots: CategoryNode[] = [];
  for (const row of rows) {
    const node = nodes.get(row.id)!;
    if (row.parentId === null) roots.push(node);
    else nodes.get(row.parentId)?.children.push(node);
  }
  return roots;
}

/** The select list and source of a category's subtree ids: itself and every path below its path. */
function subtree(id: number | Placeholder): SQL {
  return sql`category.id from categories root
    join categories category on category.id = root.id or category.path like root.path || '/%'
    where root.id = ${id}`;
}

/** The categories module owns `categories`; products and search call these. */
export function categoriesService(db: Database, searchSync: SearchSyncSignal = noSearchSync) {
  async function findById(id: number): Promise<CategoryRow | undefined> {
    const [row] = await db.select().from(categories).where(eq(categories.id, id));
    return row;
  }

  async function lockedRow(tx: Transaction, id: number): Promise<CategoryRow | undefined> {
    const [row] = await tx.select().from(categories).where(eq(categories.id, id)).for('update');
    return row;
  }

  return {
    findById,

    /** The category and every category below it (for "laptops" including "gaming laptops"). */
    async selfAndDescendantIds(id: number): Promise<number[]> {
      const rows = await db.execute<{ id: number }>(sql`select ${subtree(id)}`);
      return rows.map((row) => row.id);
    },

    /**
     * The same ids as a SQL array for another query's filter (`category_id = any(…)`): evaluated
     * once inside that query, so a product list needs no round trip of its own for the tree.
     */
    selfAndDescendantIdsSql(id: number | Placeholder): SQL {
      return sql`array(select ${subtree(id)})`;
    },

    /** The whole tree: one query, built in memory; siblings by sortOrder, then name. */
    async tree(): Promise<CategoryNode[]> {
      const rows = await db
        .select({
          id: categories.id,
          name: categories.name,
          sortOrder: categories.sortOrder,
          parentId: categories.parentId,
        })
        .from(categories)
        .orderBy(asc(categories.sortOrder), asc(categories.name), asc(categories.id));
      return buildTree(rows);
    },

    /** Root → … → the category itself, from its materialised path. */
    async breadcrumb(row: CategoryRow): Promise<{ id: number; name: string }[]> {
      const ids = row.path.split('/').map(Number);
      const found = await db
        .select({ id: categories.id, name: categories.name })
        .from(categories)
        .where(inArray(categories.id, ids));
      const byId = new Map(found.map((item) => [item.id, item]));
      return ids.flatMap((id) => {
        const item = byId.get(id);
        return item ? [item] : [];
      });
    },

    async children(id: number): Promise<{ id: number; name: string; sortOrder: number }[]> {
      return db
        .select({ id: categories.id, name: categories.name, sortOrder: categories.sortOrder })
        .from(categories)
        .where(eq(categories.parentId, id))
        .orderBy(asc(categories.sortOrder), asc(categories.name), asc(categories.id));
    },

    /**
     * Non-deleted products in exactly this category. Reads `products` (owned by the products
     * module) only to guard the foreign key the categories own.
     */
    async activeProductCount(id: number): Promise<number> {
      const [row] = await db
        .select({ value: count() })
        .from(products)
        .where(and(eq(products.categoryId, id), isNull(products.deletedAt)));
      return row?.value ?? 0;
    },

    /** CATEGORY_NOT_FOUND for an unknown parent, CONFLICT for a sibling of the same name. */
    async create(input: NewCategory): Promise<CategoryRow> {
      try {
        return await db.transaction(async (tx) => {
          await tx.execute(TREE_LOCK);
          let prefix = '';
          if (input.parentId) {
            const [parent] = await tx.select().from(categories).where(eq(categories.id, input.parentId));
            if (!parent) {
              throw new AppError('CATEGORY_NOT_FOUND', {
                details: { field: 'parentId', id: input.parentId },
              });
            }
            prefix = `${parent.path}/`;
          }
          // the path ends with the row's own id, known once the row exists
          const [inserted] = await tx
            .insert(categories)
            .values({
              name: input.name,
              parentId: input.parentId ?? null,
              sortOrder: input.sortOrder ?? 0,
              path: prefix,
            })
            .returning({ id: categories.id });
          const [row] = await tx
            .update(categories)
            .set({ path: `${prefix}${inserted!.id}` })
            .where(eq(categories.id, inserted!.id))
            .returning();
          return row!;
        });
      } catch (error) {
        throw duplicateName(error) ?? error;
      }
    },

    /**
     * Renames, reorders and moves. A move rewrites the path of the category and of all its
     * descendants in the same transaction; a move under itself or a descendant is refused.
     * Undefined when the category does not exist.
     */
    async update(id: number, changes: CategoryChanges): Promise<CategoryRow | undefined> {
      try {
        const updated = await db.transaction(async (tx) => {
          await tx.execute(TREE_LOCK);
          const current = await lockedRow(tx, id);
          if (!current) return undefined;
          const set: Partial<typeof categories.$inferInsert> = { updatedAt: new Date() };
          if (changes.name !== undefined) set.name = changes.name;
          if (changes.sortOrder !== undefined) set.sortOrder = changes.sortOrder;
          if (changes.parentId !== undefined && changes.parentId !== current.parentId) {
            let newPath = String(id);
            if (changes.parentId !== null) {
              const [parent] = await tx.select().from(categories).where(eq(categories.id, changes.parentId));
              if (!parent) {
                throw new AppError('CATEGORY_NOT_FOUND', {
                  details: { field: 'parentId', id: changes.parentId },
                });
              }
              if (parent.id === id || parent.path.startsWith(`${current.path}/`)) {
                throw new AppError('VALIDATION_ERROR', {
                  details: [
                    {
                      field: 'body.parentId',
                      message: 'a category cannot move under itself or its descendants',
                    },
                  ],
                });
              }
              newPath = `${parent.path}/${id}`;
            }
            set.parentId = changes.parentId;
            set.path = newPath;
            // every descendant: the old prefix swapped for the new one
            await tx
              .update(categories)
              .set({
                path: sql`${newPath} || substr(${categories.path}, ${current.path.length + 1})`,
                updatedAt: new Date(),
              })
              .where(like(categories.path, `${current.path}/%`));
          }
          const [row] = await tx.update(categories).set(set).where(eq(categories.id, id)).returning();
          // documents carry the category name and path: a rename or a move reindexes the subtree
          if (set.name !== undefined || set.path !== undefined) await recordCategorySearchChange(tx, id);
          return row;
        });
        if (updated) await searchSync.wake();
        return updated;
      } catch (error) {
        throw duplicateName(error) ?? error;
      }
    },

    /**
     * Deletes a leaf category without products: CATEGORY_HAS_CHILDREN, CATEGORY_HAS_PRODUCTS
     * otherwise. Soft-deleted products still hold the foreign key, so they block the delete too
     * (the same 409, with `details.deletedProducts`). False when it does not exist.
     */
    async remove(id: number): Promise<boolean> {
      try {
        return await db.transaction(async (tx) => {
          await tx.execute(TREE_LOCK);
          const current = await lockedRow(tx, id);
          if (!current) return false;
          const [child] = await tx
            .select({ id: categories.id })
            .from(categories)
            .where(eq(categories.parentId, id))
            .limit(1);
          if (child) throw new AppError('CATEGORY_HAS_CHILDREN');
          const [used] = await tx
            .select({ value: count() })
            .from(products)
            .where(and(eq(products.categoryId, id), isNull(products.deletedAt)));
          if ((used?.value ?? 0) > 0) {
            throw new AppError('CATEGORY_HAS_PRODUCTS', { details: { productCount: used?.value } });
          }
          await tx.delete(categories).where(eq(categories.id, id));
          return true;
        });
      } catch (error) {
        // a product added meanwhile, or soft-deleted products still referencing it
        const pg = postgresError(error);
        if (pg.code === '23503') {
          if (pg.constraint_name?.startsWith('categories_parent_id')) {
            throw new AppError('CATEGORY_HAS_CHILDREN', { cause: error });
          }
          throw new AppError('CATEGORY_HAS_PRODUCTS', { details: { deletedProducts: true }, cause: error });
        }
        throw error;
      }
    },
  };
}

export type CategoriesService = ReturnType<typeof categoriesService>;
