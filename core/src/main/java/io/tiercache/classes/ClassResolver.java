package io.tiercache.classes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the most specific class whose pattern matches a key, without scanning every rule.
 *
 * <p>Every key a pattern matches starts with the pattern's literal prefix (the text before its
 * first wildcard), so patterns are filed in a trie under that prefix. Resolving a key walks the
 * trie along the key's characters: only patterns whose prefix the key has are ever tested, which
 * keeps the cost near O(key length) with thousands of rules. In each trie node patterns are kept
 * most specific first, so each node contributes at most one candidate, and the best candidate by
 * {@link GlobPattern#MOST_SPECIFIC_FIRST} wins (a shorter prefix can still be more specific
 * overall, as {@code *:profile:detail} is more specific than {@code user:*}).
 *
 * <p>Immutable: a change of classes builds a new resolver.
 */
final class ClassResolver {
  private static final class Node {
    final Map<Character, Node> children = new HashMap<>(4);
    final List<CacheClass> classes = new ArrayList<>(1);
  }

  private final Node root = new Node();

  ClassResolver(Iterable<CacheClass> classes) {
    for (CacheClass c : classes) {
      Node node = root;
      for (char ch : c.keyPattern().literalPrefix().toCharArray()) {
        node = node.children.computeIfAbsent(ch, x -> new Node());
      }
      node.classes.add(c);
    }
    sort(root);
  }

  private static void sort(Node node) {
    node.classes.sort(
        (a, b) -> GlobPattern.MOST_SPECIFIC_FIRST.compare(a.keyPattern(), b.keyPattern()));
    for (Node child : node.children.values()) {
      sort(child);
    }
  }

  /** The most specific class matching {@code key}, or {@code null} when none does. */
  CacheClass resolve(String key) {
    CacheClass best = firstMatch(root, key, null);
    Node node = root;
    for (int i = 0; i < key.length(); i++) {
      node = node.children.get(key.charAt(i));
      if (node == null) {
        break;
      }
      best = firstMatch(node, key, best);
    }
    return best;
  }

  private static CacheClass firstMatch(Node node, String key, CacheClass best) {
    for (CacheClass c : node.classes) {
      if (best != null
          && GlobPattern.MOST_SPECIFIC_FIRST.compare(c.keyPattern(), best.keyPattern()) >= 0) {
        return best; // the rest of this node is no more specific than what we have
      }
      if (c.keyPattern().matches(key)) {
        return c;
      }
    }
    return best;
  }
}
