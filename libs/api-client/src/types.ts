import type { components } from './generated/schema';

type Schemas = components['schemas'];

/** The contract's names for the API's shapes, all derived from the generated OpenAPI types. */
export type Document = Schemas['DocumentOut'];
export type DocumentStatus = Document['status'];
export type ConversationSummary = Schemas['ConversationSummary'];
export type ConversationDetail = Schemas['ConversationDetail'];
export type Message = Schemas['MessageOut'];
export type Citation = Schemas['Citation'];
export type WidgetKey = Schemas['WidgetKeyOut'];
export type Analytics = Schemas['AnalyticsResponse'];
export type DayCount = Schemas['DayCount'];
export type Me = Schemas['MeResponse'];
export type Token = Schemas['TokenResponse'];
export type ChatRequest = Schemas['ChatRequest'];
export type ChatResponse = Schemas['ChatResponse'];
