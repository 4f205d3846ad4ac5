//! "Reachable from this deployment and from no earlier one", for every deployment in time
//! order, over a commit graph each commit of which is read once.
//!
//! Deployments are taken oldest first. Everything reachable from one already taken is
//! *shipped*; a new deployment's changes are the commits reachable from it that are not. The
//! shipped set is kept lazily, as git's `limit_list` does: a deployment whose changes are
//! not needed (before the report's windows) only puts its commit on a *frontier*, and the
//! frontier is expanded (parents marked shipped) only as far back in committer-date order as
//! a later walk reaches. A walk pops the newest commit of its own queue or of the frontier,
//! frontier first on a tie, so with parents dated no later than their children the answer
//! is exact however far back the earlier deployments lie; a few extra frontier steps (as git
//! takes) absorb clock skew.

use std::collections::{BinaryHeap, HashMap, HashSet};

use git2::{Oid, Repository};

/// What the four keys need of a commit.
struct Node {
    committer: i64,
    author: i64,
    parents: Vec<Oid>,
}

/// A commit first shipped by a deployment, with its dates (seconds since the epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shipped {
    pub id: Oid,
    pub committer: i64,
    pub author: i64,
}

/// The deployments taken so far, as the commits they shipped.
pub struct Graph<'r> {
    repo: &'r Repository,
    /// Commits read and still needed.
    nodes: HashMap<Oid, Node>,
    /// Reachable from a deployment already taken (known so far).
    shipped: HashSet<Oid>,
    /// Shipped commits whose parents are not marked yet, newest first.
    frontier: BinaryHeap<(i64, Oid)>,
}

/// Extra frontier steps once a walk's own queue is empty, as git takes, for commits whose
/// dates are out of order.
const SLACK: usize = 5;

impl<'r> Graph<'r> {
    pub fn new(repo: &'r Repository) -> Graph<'r> {
        Graph {
            repo,
            nodes: HashMap::new(),
            shipped: HashSet::new(),
            frontier: BinaryHeap::new(),
        }
    }

    fn node(&mut self, id: Oid) -> Result<&Node, git2::Error> {
        if !self.nodes.contains_key(&id) {
            let commit = self.repo.find_commit(id)?;
            let node = Node {
                committer: commit.committer().when().seconds(),
                author: commit.author().when().seconds(),
                parents: commit.parent_ids().collect(),
            };
            self.nodes.insert(id, node);
        }
        Ok(&self.nodes[&id])
    }

    /// Takes a deployment of `tip` (committed at `date`) whose changes are not needed:
    /// everything reachable from it counts as shipped for later ones. Nothing is read yet.
    pub fn take_unlisted(&mut self, tip: Oid, date: i64) {
        if self.shipped.insert(tip) {
            self.frontier.push((date, tip));
        }
    }

    /// Marks the parents of the newest frontier commit shipped.
    fn expand(&mut self) -> Result<(), git2::Error> {
        let Some((_, id)) = self.frontier.pop() else {
            return Ok(());
        };
        let parents = match self.nodes.remove(&id) {
            Some(node) => node.parents,
            None => self.repo.find_commit(id)?.parent_ids().collect(),
        };
        for parent in parents {
            if self.shipped.insert(parent) {
                let date = self.node(parent)?.committer;
                self.frontier.push((date, parent));
            }
        }
        Ok(())
    }

    /// Takes a deployment of `tip`: the commits reachable from it and from no deployment
    /// taken before, newest first. A rollback or a re-deploy ships nothing.
    pub fn take(&mut self, tip: Oid) -> Result<Vec<Shipped>, git2::Error> {
        if self.shipped.contains(&tip) {
            return Ok(Vec::new());
        }
        let mut queue: BinaryHeap<(i64, Oid)> = BinaryHeap::new();
        let mut queued: HashSet<Oid> = HashSet::from([tip]);
        queue.push((self.node(tip)?.committer, tip));
        let mut candidates = Vec::new();
        while let Some(&(date, id)) = queue.peek() {
            if self.frontier.peek().is_some_and(|&(f, _)| f >= date) {
                self.expand()?;
                continue;
            }
            queue.pop();
            if self.shipped.contains(&id) {
                continue;
            }
            candidates.push(id);
            let parents = self.node(id)?.parents.clone();
            for parent in parents {
                if !self.shipped.contains(&parent) && queued.insert(parent) {
                    queue.push((self.node(parent)?.committer, parent));
                }
            }
        }
        for _ in 0..SLACK {
            self.expand()?;
        }
        let mut out = Vec::with_capacity(candidates.len());
        for id in candidates {
            // Every parent of a candidate is a candidate or already shipped, so marking
            // them keeps the frontier complete without putting them on it.
            if self.shipped.insert(id) {
                let node = self.node(id)?;
                out.push(Shipped {
                    id,
                    committer: node.committer,
                    author: node.author,
                });
            }
        }
        for s in &out {
            self.nodes.remove(&s.id);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &Repository, parents: &[Oid], at: i64, name: &str) -> Oid {
        let sig = git2::Signature::new("t", "t@example.test", &git2::Time::new(at, 0)).unwrap();
        let mut index = repo.index().unwrap();
        let blob = repo.blob(name.as_bytes()).unwrap();
        index
            .add(&git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: name.as_bytes().to_vec(),
            })
            .unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(None, &sig, &sig, name, &tree, &refs).unwrap()
    }

    /// libgit2's revwalk: reachable from `head`, hiding every earlier tip.
    fn revwalk(repo: &Repository, head: Oid, earlier: &[Oid]) -> Vec<Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.push(head).unwrap();
        for base in earlier {
            walk.hide(*base).unwrap();
        }
        let mut ids: Vec<Oid> = walk.map(Result::unwrap).collect();
        ids.sort();
        ids
    }

    /// Merges, a branch dated before the mainline (as rebased or long-lived branches are),
    /// a skewed commit and rollbacks.
    fn history(repo: &Repository) -> Vec<Oid> {
        let a = commit(repo, &[], 1000, "a");
        let b = commit(repo, &[a], 2000, "b");
        let f1 = commit(repo, &[a], 1500, "f1");
        let f2 = commit(repo, &[f1], 1600, "f2");
        let m = commit(repo, &[b, f2], 3000, "m");
        let skewed = commit(repo, &[m], 500, "skewed");
        let c = commit(repo, &[skewed], 4000, "c");
        let side = commit(repo, &[b], 3500, "side");
        let m2 = commit(repo, &[c, side], 5000, "m2");
        vec![a, b, f1, f2, m, skewed, c, side, m2]
    }

    /// Every order of deployments (tags re-created newest first, rollbacks, re-deploys), with
    /// and without listing the earlier ones, gives libgit2's "hide every earlier tip" sets.
    #[test]
    fn agrees_with_libgit2_hiding_every_earlier_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let all = history(&repo);
        let orders: Vec<Vec<Oid>> = vec![
            all.clone(),
            all.iter().rev().copied().collect(),
            vec![all[8], all[1], all[6], all[0], all[8], all[7], all[4]],
            vec![all[4], all[1], all[8], all[1], all[6]],
            vec![all[7], all[3], all[5], all[8]],
        ];
        for order in orders {
            for listed_from in 0..order.len() {
                let mut graph = Graph::new(&repo);
                for (i, tip) in order.iter().enumerate() {
                    if i < listed_from {
                        let date = repo.find_commit(*tip).unwrap().committer().when();
                        graph.take_unlisted(*tip, date.seconds());
                        continue;
                    }
                    let mut ours: Vec<Oid> =
                        graph.take(*tip).unwrap().iter().map(|s| s.id).collect();
                    ours.sort();
                    assert_eq!(
                        ours,
                        revwalk(&repo, *tip, &order[..i]),
                        "{order:?}, listed from {listed_from}, deployment {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_rollback_and_a_redeploy_ship_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let all = history(&repo);
        let mut graph = Graph::new(&repo);
        assert_eq!(graph.take(all[4]).unwrap().len(), 5, "a b f1 f2 m");
        assert!(graph.take(all[1]).unwrap().is_empty(), "rollback to b");
        assert!(graph.take(all[4]).unwrap().is_empty(), "m again");
        let next: Vec<Oid> = graph.take(all[6]).unwrap().iter().map(|s| s.id).collect();
        assert_eq!(next, [all[6], all[5]], "c and skewed only, newest first");
    }
}
