import { boards, type Database, isUniqueViolation } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { asc, eq } from 'drizzle-orm';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import type { Board, CreateBoardBody, UpdateBoardBody } from './schemas.ts';

const columns = {
  id: boards.id,
  slug: boards.slug,
  name: boards.name,
  description: boards.description,
  sortOrder: boards.sortOrder,
  isActive: boards.isActive,
};

/** PostgreSQL's unique_violation on `boards_slug_key` as DUPLICATE_SLUG; anything else as it was. */
function slugTaken(error: unknown): never {
  if (isUniqueViolation(error, 'boards_slug_key')) throw new AppError('DUPLICATE_SLUG');
  throw error;
}

/**
 * Community boards (COMM-01): the public list of active boards, and the admins' CRUD. A board is
 * never deleted with its posts: "deleting" one makes it inactive (gone from the list, its posts
 * unreadable), which an admin can undo.
 */
export function boardsService(db: Database, searches: Pick<CatalogCache, 'invalidateBoard'>) {
  return {
    /** Active boards, by sort order then id. */
    list(): Promise<Board[]> {
      return db
        .select(columns)
        .from(boards)
        .where(eq(boards.isActive, true))
        .orderBy(asc(boards.sortOrder), asc(boards.id));
    },

    async create(body: CreateBoardBody): Promise<Board> {
      const [row] = await db
        .insert(boards)
        .values({ ...body, description: body.description ?? null })
        .returning(columns)
        .catch(slugTaken);
      return row!;
    },

    async update(boardId: number, body: UpdateBoardBody): Promise<Board> {
      const [row] = await db
        .update(boards)
        .set({ ...body, updatedAt: new Date() })
        .where(eq(boards.id, boardId))
        .returning(columns)
        .catch(slugTaken);
      if (!row) throw new AppError('BOARD_NOT_FOUND');
      // made active again: its searches answered 404 meanwhile
      await searches.invalidateBoard(boardId);
      return row;
    },

    /** Makes the board inactive (see above); BOARD_NOT_FOUND for an unknown one. */
    async deactivate(boardId: number): Promise<Board> {
      const [row] = await db
        .update(boards)
        .set({ isActive: false, updatedAt: new Date() })
        .where(eq(boards.id, boardId))
        .returning(columns);
      if (!row) throw new AppError('BOARD_NOT_FOUND');
      await searches.invalidateBoard(boardId);
      return row;
    },
  };
}

export type BoardsService = ReturnType<typeof boardsService>;
