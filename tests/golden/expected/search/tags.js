(self.siteSearchData=self.siteSearchData||{})["tags"]={"docs":["1,4","4","4"]};
