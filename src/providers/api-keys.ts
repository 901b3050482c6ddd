/** The environment variables the providers' API keys are read from. */
export const API_KEYS = { wavespeed: 'WAVESPEED_API_KEY', dashscope: 'DASHSCOPE_API_KEY' } as const;
