export {
  AppError,
  type CatalogEntry,
  type ErrorCode,
  errorCatalog,
  isErrorCode,
  type Language,
  languageFrom,
  languages,
  messageOf,
} from './catalog.ts';
