export { createAdminApi } from './admin';
export type { AdminApi, AdminApiOptions, ConversationFilter } from './admin';
export { createWidgetApi } from './widget';
export type { WidgetApi, WidgetApiOptions } from './widget';
export { ApiError } from './errors';
export type * from './types';
export type { components, paths } from './generated/schema';
