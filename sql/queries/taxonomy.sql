-- The root-cause taxonomy with the configured labels, in display order.
select key, label from cfg_taxonomy order by position
