#include "storage/notification_repository.h"

namespace analytics::storage {

Result<std::int64_t> NotificationRepository::Append(const NotificationRow& n) {
  auto rows = tx_.Query(
      "INSERT INTO notifications (at, target, subject, severity, status, attempts, error, "
      "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      {n.at, n.target, n.subject, n.severity, n.status, n.attempts, n.error, n.created_by});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Internal("notification insert returned no row");
  return rows->front().Int(0);
}

Result<std::vector<NotificationRow>> NotificationRepository::List(Time since, int limit) {
  auto rows = tx_.Query(
      "SELECT id, at, target, subject, severity, status, attempts, error, created_by "
      "FROM notifications WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2",
      {since, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<NotificationRow> out;
  for (const Row& r : *rows) {
    out.push_back(NotificationRow{r.Int(0), r.TimeAt(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
                                  r.Int(6), r.Text(7), r.Text(8)});
  }
  return out;
}

}  // namespace analytics::storage
