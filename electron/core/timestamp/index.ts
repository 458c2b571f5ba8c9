/** The TSA client: RFC 3161 time stamps over HTTP, verified on arrival. */
export { requestTimestamp, type RequestTimestampOptions, type RequestedTimestamp } from './request-timestamp';
export { postTimestampQuery, defaultMaxReplyBytes, defaultTimeoutMs, type PostQueryOptions } from './post-query';
export { checkTsaUrl } from './tsa-url';
