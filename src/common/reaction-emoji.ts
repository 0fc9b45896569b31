/** The emoji a message can be reacted to with, in the order pages show them. */
export const REACTION_EMOJI: readonly string[] = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
