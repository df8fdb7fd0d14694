/** What a spam filter said when taught a message: learned it now, or it knew it already. */
export type LearnAnswer = 'learned' | 'known';

/** The class a message is taught as. */
export type MessageClass = 'ham' | 'spam';
