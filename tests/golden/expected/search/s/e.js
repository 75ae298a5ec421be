(self.siteSearchData=self.siteSearchData||{})["s/e"]={"terms":"between decis depth gener generalis messag network neural reach result review revisit seen tenth"};
