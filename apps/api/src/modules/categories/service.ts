import { categories, type Database } from '@pbshop/db';
import { eq, like, or } from 'drizzle-orm';

export type CategoryRow = typeof categories.$inferSelect;

/** The categories module owns `categories`; products and search call these. */
export function categoriesService(db: Database) {
  async function findById(id: string): Promise<CategoryRow | undefined> {
    const [row] = await db.select().from(categories).where(eq(categories.id, id));
    return row;
  }

  return {
    findById,

    /** The category and every category below it (for "laptops" including "gaming laptops"). */
    async selfAndDescendantIds(id: string): Promise<string[]> {
      const category = await findById(id);
      if (!category) return [];
      const rows = await db
        .select({ id: categories.id })
        .from(categories)
        .where(or(eq(categories.id, id), like(categories.path, `${category.path}/%`)));
      return rows.map((row) => row.id);
    },
  };
}

export type CategoriesService = ReturnType<typeof categoriesService>;
