export function uploadsDirectory(directory: string, bucket: string): string;
export function addMultipartExtensions(server: unknown, directory: string): void;
